"""Issue 23: a queue of 100,000 entries claimed by three nodes without a single double
delivery. Starts a PostgreSQL cluster of its own (fsync on, as a real one), then runs
queue_claim_bench (three node processes claiming and recording as the queue runner does)
against it, and again with one node for the ratio. Not a test: it reports."""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import pg  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default="build/release/bench/queue_claim_bench")
    parser.add_argument("--entries", type=int, default=100000)
    args = parser.parse_args()
    cluster = pg.Cluster(durable=True)
    try:
        for nodes in (1, 3):
            uri = cluster.create_database(f"claims{nodes}")
            subprocess.run([args.bench, uri, str(args.entries), str(nodes)], check=True,
                           timeout=3600)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
