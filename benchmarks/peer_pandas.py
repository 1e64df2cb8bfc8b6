"""The peer of the data-analysis benchmark: Project-AI's own approach with pandas,
scikit-learn and matplotlib, the same steps and charts. Run by data_analysis.py in a
subprocess of its own; prints its results as JSON.

    python peer_pandas.py DATA.csv OUTPUT_DIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    # Timed from here: an app that analyses data has these libraries loaded already.
    began = time.perf_counter()
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(source)
    numeric = df.select_dtypes("number")
    described = numeric.describe()
    numeric.corr()
    scaled = StandardScaler().fit_transform(numeric.dropna())
    labels = KMeans(n_clusters=3, n_init=10, random_state=42).fit_predict(scaled)
    projected = PCA(n_components=2).fit_transform(scaled)
    for name in numeric.columns:
        fig, ax = plt.subplots(figsize=(8, 6))
        ax.hist(numeric[name].dropna(), bins=30)
        ax.set_title(f"Histogram of {name}")
        fig.savefig(out / f"hist_{name}.png")
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.boxplot([numeric[c].dropna() for c in numeric.columns], tick_labels=list(numeric.columns))
    fig.savefig(out / "box_plots.png")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.imshow(numeric.corr(), cmap="coolwarm")
    fig.savefig(out / "heatmap.png")
    plt.close(fig)
    step = max(1, len(numeric) // 10_000)
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.scatter(numeric.iloc[::step, 0], numeric.iloc[::step, 1], s=2)
    fig.savefig(out / "scatter.png")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.scatter(projected[::step, 0], projected[::step, 1], c=labels[::step], s=2)
    ax.set_title("K-means Clustering Results")
    fig.savefig(out / "clusters.png")
    plt.close(fig)
    sizes = sorted(int((labels == k).sum()) for k in range(3))
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - began,
                "mean": {c: float(described[c]["mean"]) for c in numeric.columns},
                "std": {c: float(described[c]["std"]) for c in numeric.columns},
                "sizes": sizes,
                "rss_mb": peak_mb,
            }
        )
    )


if __name__ == "__main__":
    main()
