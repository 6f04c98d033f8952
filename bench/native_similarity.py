"""Native RDKit anchor for bench/similarity.mjs: the same fingerprints, the same queries, one core.

Usage: native_similarity.py DIRECTORY NBITS, where bench/similarity.mjs wrote to DIRECTORY
  fingerprints.bin  the library, packed: NBITS / 8 bytes each, bit i = (byte[i >> 3] >> (i & 7)) & 1
  queries.bin       the queries, packed the same way
  check.json        [[index, "A.B.C"], ...]: library members with their dot-joined SMILES

Builds ExplicitBitVects from the packed bits (FPS text has the same bit order), checks the listed
members against rdFingerprintGenerator's Morgan fingerprint (radius 2) of their SMILES, then times
per query DataStructs.BulkTanimotoSimilarity over the whole library and, separately, the exact
top 10 of its result (numpy argpartition, ties by the smaller index, as the library breaks them).
Prints JSON: the times in ms per query and the top 10 of each query, which similarity.mjs
compares with the library's.
"""

import json
import os
import sys
import time

import numpy as np
from rdkit import Chem, DataStructs, RDLogger, rdBase
from rdkit.Chem import rdFingerprintGenerator

K = 10


def top_k(similarities, k):
    values = np.array(similarities, dtype=np.float64)
    k = min(k, len(values))
    kth = values[np.argpartition(-values, k - 1)[k - 1]]
    candidates = np.flatnonzero(values >= kth)
    order = np.lexsort((candidates, -values[candidates]))[:k]
    chosen = candidates[order]
    return chosen.tolist(), values[chosen].tolist()


def main():
    RDLogger.DisableLog("rdApp.*")
    directory, nbits = sys.argv[1], int(sys.argv[2])
    width = nbits // 8

    def read(name):
        return np.fromfile(os.path.join(directory, name), dtype=np.uint8).reshape(-1, width)

    start = time.perf_counter()
    fps = [DataStructs.CreateFromFPSText(row.tobytes().hex()) for row in read("fingerprints.bin")]
    build_seconds = time.perf_counter() - start
    queries = [DataStructs.CreateFromFPSText(row.tobytes().hex()) for row in read("queries.bin")]

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=nbits)
    with open(os.path.join(directory, "check.json")) as f:
        checks = json.load(f)
    for index, smiles in checks:
        if generator.GetFingerprint(Chem.MolFromSmiles(smiles)) != fps[index]:
            sys.exit(f"fingerprint {index} differs from native RDKit's Morgan of {smiles}")

    DataStructs.BulkTanimotoSimilarity(queries[0], fps)  # warm-up
    bulk_ms, top_ms, tops = [], [], []
    for query in queries:
        start = time.perf_counter()
        similarities = DataStructs.BulkTanimotoSimilarity(query, fps)
        middle = time.perf_counter()
        indices, values = top_k(similarities, K)
        end = time.perf_counter()
        bulk_ms.append((middle - start) * 1000)
        top_ms.append((end - middle) * 1000)
        tops.append({"indices": indices, "similarities": values})
    print(
        json.dumps(
            {
                "rdkitVersion": rdBase.rdkitVersion,
                "size": len(fps),
                "buildSeconds": build_seconds,
                "checked": len(checks),
                "bulkMs": bulk_ms,
                "topMs": top_ms,
                "top": tops,
            }
        )
    )


if __name__ == "__main__":
    main()
