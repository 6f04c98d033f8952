-- Measured property types with their canonical units and physical ranges.
INSERT INTO property_types (key, name, canonical_unit, min_value, max_value, description) VALUES
  ('glass_transition', 'glass transition temperature', 'K', 0, 1000,
   'Tg of a pure compound or a solution, in kelvin; the method (DSC onset or midpoint, calorimetry, extrapolation) goes in the measurement''s method.'),
  ('density', 'density', 'g/cm3', 0, 30,
   'Mass density in g/cm3 (= g/mL); the temperature goes in the measurement''s conditions (temperatureKelvin).'),
  ('ice_recrystallization_inhibition', 'ice recrystallization inhibition', '%MGS', 0, 1000,
   'Mean ice grain size after annealing as a percentage of a control (splat-cooling assay); lower means stronger inhibition.'),
  ('cell_viability', 'cell viability', 'fraction', 0, 1,
   'Fraction of viable cells relative to an untreated control; the assay goes in the method, exposure in the conditions.'),
  ('toxicity_rate', 'toxicity rate constant', '1/min', 0, NULL,
   'First-order rate constant of viability loss at fixed concentration and temperature (viability = exp(-k t)).');
