import numpy as np
import pytest

from eval.ivf_recall import passage_vectors, recall_at


def test_recall_at_is_the_mean_share_of_exact_ids_found():
    exact = np.array([[1, 2], [3, 4]])
    assert recall_at(exact, np.array([[2, 9], [4, 3]])) == pytest.approx((1 / 2 + 2 / 2) / 2)


def test_passage_vectors_reads_every_segment_and_refuses_a_folder_without_them(tmp_path):
    for name, rows in (("seg-a", 2), ("seg-b", 3)):
        (tmp_path / "segments" / name).mkdir(parents=True)
        np.save(tmp_path / "segments" / name / "passage_vectors.npy", np.ones((rows, 4), np.float32))
    assert passage_vectors(tmp_path).shape == (5, 4)
    with pytest.raises(SystemExit, match="built index directory"):
        passage_vectors(tmp_path / "nothing")
