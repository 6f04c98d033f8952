-- Where a prediction stands against its model's training data, stored with the prediction so that
-- a value made far from anything the model was trained on says so wherever it is read later.
--
-- novelty:   mean standardized distance of the molecule to the model's 5 nearest training rows
--            (kernel-lib models/validation/adaptive.ts); the locally adaptive interval widens
--            with it.
-- in_domain: false when novelty exceeds the 99th percentile of the out-of-fold distances seen in
--            cross-validation: the molecule is farther from the training data than
--            cross-validation ever tested, and its interval, though wider, is less trustworthy.
--
-- Both are null for predictions stored before this migration and for clients or models that do
-- not give them (a model saved without adaptive intervals has no novelty).
ALTER TABLE predictions
  ADD COLUMN novelty double precision CHECK (app.is_finite(novelty) AND novelty >= 0),
  ADD COLUMN in_domain boolean;
