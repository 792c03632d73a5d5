"""The frame-index encoding the other tests rely on decodes correctly."""

import av

from tests.download.conftest import frame_index


def test_source_frames_carry_their_index(sources):
    with av.open(str(sources["vidB"])) as c:
        idx = [frame_index(f.to_ndarray(format="gray")) for f in c.decode(video=0)]
    assert idx == list(range(90))
