"""Reading videos: probing a file (``probe``), decoding sampled frames as a stream (``decode``) and choosing
which frames to read (``sampling``)."""

from fvc.video.decode import INTERPOLATIONS, read_frames
from fvc.video.probe import Probe, VideoError, file_sha256, open_video, probe_video
from fvc.video.sampling import feature_frame_count, sample_frame_indices

__all__ = [
    "INTERPOLATIONS",
    "Probe",
    "VideoError",
    "feature_frame_count",
    "file_sha256",
    "open_video",
    "probe_video",
    "read_frames",
    "sample_frame_indices",
]
