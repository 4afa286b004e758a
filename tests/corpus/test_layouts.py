"""The public-corpus layouts (ffpp, celebdf, dfdc, fvc): each reads its corpus's own naming into the index, keeps
what must stay together in one group, says in one line what is wrong, and reports the files it does not know."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from fvc.corpus import read_corpus
from fvc.corpus.fvc_corpus import video_id_from_url
from fvc.corpus.ingest import ingest
from fvc.errors import FvcError
from tests.conftest import write_video


def _touch(root: Path, *paths: str) -> None:
    """Placeholder files: the index lists files, ingest is what opens them."""
    for rel in paths:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")


def _rows(table: pl.DataFrame) -> dict[str, dict[str, str]]:
    return {row["video_id"]: row for row in table.iter_rows(named=True)}


def _one_line_error(excinfo: pytest.ExceptionInfo[FvcError]) -> str:
    message = str(excinfo.value)
    assert message and "\n" not in message
    return message


def _assert_file_name_safe(table: pl.DataFrame) -> None:
    ids = table["video_id"].to_list()
    assert len(set(ids)) == len(ids)
    assert all("/" not in i and "\\" not in i and i.isprintable() for i in ids)


# --- ffpp -------------------------------------------------------------------------------------------------------

YT = "original_sequences/youtube/c23/videos"
ACTORS = "original_sequences/actors/c23/videos"
MANIP = "manipulated_sequences"


@pytest.fixture
def ffpp(tmp_path: Path) -> Path:
    """Originals 000-005, two FF++ methods, DeepFakeDetection with actors 01-03."""
    _touch(
        tmp_path,
        *(f"{YT}/{i:03d}.mp4" for i in range(6)),
        f"{MANIP}/Deepfakes/c23/videos/000_003.mp4",
        f"{MANIP}/Deepfakes/c23/videos/003_000.mp4",
        f"{MANIP}/Face2Face/c23/videos/001_002.mp4",
        f"{MANIP}/Face2Face/c23/videos/002_004.mp4",
        f"{ACTORS}/01__walking.mp4",
        f"{ACTORS}/02__kitchen_pan.mp4",
        f"{ACTORS}/03__talking_against_wall.mp4",
        f"{MANIP}/DeepFakeDetection/c23/videos/01_02__walking__ABC123.mp4",
    )
    return tmp_path


def test_ffpp_indexes_every_video_with_its_label_method_and_target_identity(ffpp: Path) -> None:
    rows = _rows(read_corpus(ffpp, "ffpp"))
    assert len(rows) == 14
    assert rows["original__000"] == {
        "video_id": "original__000",
        "path": f"{YT}/000.mp4",
        "label": "real",
        "group": "000",
        "method": "none",
        "source": "000",
    }
    fake = rows["Deepfakes__000_003"]
    assert (fake["label"], fake["method"], fake["source"]) == ("fake", "Deepfakes", "000")
    assert fake["path"] == f"{MANIP}/Deepfakes/c23/videos/000_003.mp4"
    dfd = rows["DeepFakeDetection__01_02__walking__ABC123"]
    assert (dfd["label"], dfd["method"], dfd["source"]) == ("fake", "DeepFakeDetection", "actor01")
    assert rows["actors__02__kitchen_pan"]["source"] == "actor02"


def test_ffpp_ids_are_unique_file_names(ffpp: Path) -> None:
    _assert_file_name_safe(read_corpus(ffpp, "ffpp"))


def test_ffpp_a_fake_joins_its_two_identities_and_groups_never_cross(ffpp: Path) -> None:
    rows = _rows(read_corpus(ffpp, "ffpp"))
    group = {vid.split("__")[1]: row["group"] for vid, row in rows.items() if vid.startswith("original__")}
    assert group["000"] == group["003"] != group["001"]
    # 001_002 and 002_004 chain 001, 002 and 004 into one group; 005 is in no fake.
    assert group["001"] == group["002"] == group["004"]
    assert len({group["000"], group["001"], group["005"]}) == 3
    for vid, row in rows.items():
        if row["method"] in ("Deepfakes", "Face2Face"):
            target, face = vid.split("__")[1].split("_")
            assert row["group"] == group[target] == group[face]
    actors = {r["source"]: r["group"] for vid, r in rows.items() if vid.startswith("actors__")}
    assert actors["actor01"] == actors["actor02"] == rows["DeepFakeDetection__01_02__walking__ABC123"]["group"]
    assert actors["actor03"] != actors["actor01"]


def test_ffpp_reads_the_selected_compression_only(ffpp: Path) -> None:
    _touch(ffpp, "original_sequences/youtube/c40/videos/000.mp4", f"{MANIP}/Deepfakes/c40/videos/000_003.mp4")
    assert "original_sequences/youtube/c40/videos/000.mp4" not in read_corpus(ffpp, "ffpp")["path"].to_list()
    c40 = read_corpus(ffpp, "ffpp", compression="c40", methods=["Deepfakes"])
    assert c40["path"].to_list() == [
        f"{MANIP}/Deepfakes/c40/videos/000_003.mp4",
        "original_sequences/youtube/c40/videos/000.mp4",
    ]


def test_ffpp_c0_reads_the_raw_folder_of_the_download_script(tmp_path: Path) -> None:
    _touch(tmp_path, "original_sequences/youtube/raw/videos/000.mp4", f"{MANIP}/Deepfakes/raw/videos/000_001.mp4")
    assert read_corpus(tmp_path, "ffpp", compression="c0").height == 2


def test_ffpp_methods_selects_the_fakes_and_dfd_brings_its_actors(ffpp: Path) -> None:
    table = read_corpus(ffpp, "ffpp", methods=["Face2Face"])
    assert set(table["method"]) == {"none", "Face2Face"}
    assert not any(v.startswith("actors__") for v in table["video_id"])
    assert read_corpus(ffpp, "ffpp", methods="Face2Face").equals(table)


def test_ffpp_reports_files_not_in_the_layout_in_one_line(ffpp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _touch(ffpp, f"{MANIP}/Deepfakes/c23/videos/notes.txt", f"{YT}/0007.mp4", f"{MANIP}/readme.txt")
    table = read_corpus(ffpp, "ffpp")
    assert table.height == 14
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("ffpp: 14 videos indexed (9 real, 5 fake) in ")
    assert f"3 files not in the layout (e.g. {MANIP}/readme.txt)" in out


def test_ffpp_an_unknown_method_folder_is_named(ffpp: Path) -> None:
    _touch(ffpp, f"{MANIP}/DeepFakes2/c23/videos/000_003.mp4")
    with pytest.raises(FvcError) as err:
        read_corpus(ffpp, "ffpp")
    assert "manipulated_sequences/DeepFakes2: unknown folder in manipulated_sequences" in _one_line_error(err)


@pytest.mark.parametrize("top", ["original_sequences", "manipulated_sequences"])
def test_ffpp_a_missing_top_folder_is_named(tmp_path: Path, top: str) -> None:
    other = "manipulated_sequences" if top == "original_sequences" else "original_sequences"
    (tmp_path / other).mkdir()
    with pytest.raises(FvcError) as err:
        read_corpus(tmp_path, "ffpp")
    assert f"{tmp_path / top}: folder not found" in _one_line_error(err)


def test_ffpp_a_method_without_the_compression_is_named_with_what_it_holds(ffpp: Path) -> None:
    _touch(ffpp, f"{MANIP}/FaceSwap/c40/videos/000_003.mp4")
    with pytest.raises(FvcError) as err:
        read_corpus(ffpp, "ffpp")
    assert "FaceSwap: no c23/videos folder (ffpp option compression = c23); it holds c40" in _one_line_error(err)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"compression": "hq"}, "ffpp option compression = 'hq'; expected one of raw, c0, c23, c40"),
        ({"methods": ["deepfakes"]}, "ffpp option methods: 'deepfakes' is not a method"),
    ],
)
def test_ffpp_a_bad_option_value_is_named(ffpp: Path, options: dict, message: str) -> None:
    with pytest.raises(FvcError) as err:
        read_corpus(ffpp, "ffpp", **options)
    assert message in _one_line_error(err)


def test_ffpp_ingest_probes_a_tree_of_real_videos(tmp_path: Path) -> None:
    for i, rel in enumerate(
        [f"{YT}/000.mp4", f"{YT}/003.mp4", f"{MANIP}/Deepfakes/c23/videos/000_003.mp4", f"{ACTORS}/01__walking.mp4"]
    ):
        write_video(tmp_path / rel, frames=3, seed=i)
    result = ingest(tmp_path, layout="ffpp", max_pixels=10**7, workers=1)
    assert result.rejects.height == 0
    videos = result.videos
    assert videos["video_id"].to_list() == [
        "Deepfakes__000_003",
        "actors__01__walking",
        "original__000",
        "original__003",
    ]
    assert videos["frame_count"].to_list() == [3, 3, 3, 3]
    assert videos.filter(pl.col("source") != "actor01")["group"].unique().to_list() == ["000"]


# --- celebdf ----------------------------------------------------------------------------------------------------


@pytest.fixture
def celebdf(tmp_path: Path) -> Path:
    _touch(
        tmp_path,
        "Celeb-real/id0_0000.mp4",
        "Celeb-real/id1_0000.mp4",
        "Celeb-real/id2_0001.mp4",
        "Celeb-real/id3_0000.mp4",
        "Celeb-synthesis/id0_id1_0000.mp4",
        "Celeb-synthesis/id1_id2_0000.mp4",
        "YouTube-real/00170.mp4",
        "YouTube-real/00171.mp4",
        "List_of_testing_videos.txt",
    )
    return tmp_path


def test_celebdf_indexes_reals_fakes_and_youtube_reals(celebdf: Path) -> None:
    rows = _rows(read_corpus(celebdf, "celebdf"))
    assert len(rows) == 8
    assert rows["Celeb-synthesis__id0_id1_0000"] == {
        "video_id": "Celeb-synthesis__id0_id1_0000",
        "path": "Celeb-synthesis/id0_id1_0000.mp4",
        "label": "fake",
        "group": "id0",
        "method": "celeb-synthesis",
        "source": "id0",
    }
    assert {(r["label"], r["method"]) for k, r in rows.items() if "real" in k} == {("real", "none")}
    assert rows["YouTube-real__00170"]["source"] == "yt_00170"
    _assert_file_name_safe(read_corpus(celebdf, "celebdf"))


def test_celebdf_a_fake_joins_both_identities(celebdf: Path) -> None:
    group = {r["source"]: r["group"] for r in read_corpus(celebdf, "celebdf").iter_rows(named=True)}
    assert group["id0"] == group["id1"] == group["id2"]  # id0_id1 and id1_id2 chain them
    assert len({group["id0"], group["id3"], group["yt_00170"], group["yt_00171"]}) == 4


def test_celebdf_youtube_real_can_be_left_out(celebdf: Path) -> None:
    table = read_corpus(celebdf, "celebdf", youtube_real=False)
    assert not any(v.startswith("YouTube-real") for v in table["video_id"])


def test_celebdf_reports_misnamed_files_not_the_test_list(celebdf: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _touch(celebdf, "Celeb-real/id4.mp4", "Celeb-synthesis/id0_0000.mp4")
    assert read_corpus(celebdf, "celebdf").height == 8
    out = capsys.readouterr().out
    assert out.startswith("celebdf: 8 videos indexed (6 real, 2 fake) in 4 groups, the largest 5")
    assert out.endswith("2 files not in the layout (e.g. Celeb-real/id4.mp4)\n")


def test_celebdf_a_missing_folder_is_named(celebdf: Path) -> None:
    (celebdf / "Celeb-synthesis" / "id0_id1_0000.mp4").unlink()
    (celebdf / "Celeb-synthesis" / "id1_id2_0000.mp4").unlink()
    (celebdf / "Celeb-synthesis").rmdir()
    with pytest.raises(FvcError) as err:
        read_corpus(celebdf, "celebdf")
    assert "Celeb-synthesis: folder not found" in _one_line_error(err)


# --- dfdc -------------------------------------------------------------------------------------------------------


def _metadata(folder: Path, entries: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metadata.json").write_text(json.dumps(entries))


@pytest.fixture
def dfdc(tmp_path: Path) -> Path:
    """Two parts; part 1 holds a fake of part 0's real; the root has a metadata.json of its own."""
    _metadata(
        tmp_path / "dfdc_train_part_0",
        {
            "aaa.mp4": {"label": "REAL", "split": "train", "original": None},
            "bbb.mp4": {"label": "FAKE", "split": "train", "original": "aaa.mp4"},
        },
    )
    _metadata(
        tmp_path / "dfdc_train_part_1",
        {"ccc.mp4": {"label": "FAKE", "original": "aaa.mp4"}, "ddd.mp4": {"label": "REAL"}},
    )
    _metadata(tmp_path, {"eee.mp4": {"label": "REAL"}})
    _touch(
        tmp_path,
        "dfdc_train_part_0/aaa.mp4",
        "dfdc_train_part_0/bbb.mp4",
        "dfdc_train_part_1/ccc.mp4",
        "dfdc_train_part_1/ddd.mp4",
        "eee.mp4",
    )
    return tmp_path


def test_dfdc_indexes_each_metadata_beside_its_videos(dfdc: Path) -> None:
    rows = _rows(read_corpus(dfdc, "dfdc"))
    assert sorted(rows) == [
        "dfdc_train_part_0__aaa",
        "dfdc_train_part_0__bbb",
        "dfdc_train_part_1__ccc",
        "dfdc_train_part_1__ddd",
        "eee",
    ]
    assert rows["dfdc_train_part_0__bbb"] == {
        "video_id": "dfdc_train_part_0__bbb",
        "path": "dfdc_train_part_0/bbb.mp4",
        "label": "fake",
        "group": "aaa",
        "method": "dfdc",
        "source": "aaa",
    }
    assert (rows["eee"]["label"], rows["eee"]["method"], rows["eee"]["path"]) == ("real", "none", "eee.mp4")


def test_dfdc_fakes_share_their_originals_group_across_parts(dfdc: Path) -> None:
    rows = _rows(read_corpus(dfdc, "dfdc"))
    original = rows["dfdc_train_part_0__aaa"]["group"]
    assert rows["dfdc_train_part_0__bbb"]["group"] == rows["dfdc_train_part_1__ccc"]["group"] == original
    assert len({original, rows["dfdc_train_part_1__ddd"]["group"], rows["eee"]["group"]}) == 3
    _assert_file_name_safe(read_corpus(dfdc, "dfdc"))


def test_dfdc_reports_files_no_metadata_lists(dfdc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _touch(dfdc, "dfdc_train_part_1/zzz.mp4", "loose/yyy.mp4")
    assert read_corpus(dfdc, "dfdc").height == 5
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("dfdc: 5 videos indexed (3 real, 2 fake) in 3 groups, the largest 3")
    assert out.endswith("2 files not in the layout (e.g. dfdc_train_part_1/zzz.mp4)\n")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"aaa.mp4": {"split": "train"}}, "key 'aaa.mp4': no label, expected REAL or FAKE"),
        ({"aaa.mp4": {"label": "MAYBE"}}, "key 'aaa.mp4': label 'MAYBE', expected REAL or FAKE"),
        ({"bbb.mp4": {"label": "FAKE"}}, "key 'bbb.mp4': a FAKE needs the file name of its original, found None"),
        ({"bbb.mp4": {"label": "FAKE", "original": None}}, "key 'bbb.mp4': a FAKE needs the file name of its original"),
        ({"aaa.mp4": "REAL"}, "key 'aaa.mp4': expected an object"),
        ({"../eee.mp4": {"label": "REAL"}}, "key '../eee.mp4': not a file name"),
        ({"gone.mp4": {"label": "REAL"}}, "key 'gone.mp4': 'dfdc_train_part_0/gone.mp4' is not a file"),
        (["aaa.mp4"], "metadata.json: expected an object mapping each video file name to its entry"),
    ],
)
def test_dfdc_a_bad_metadata_entry_names_the_file_and_key(dfdc: Path, entries: object, message: str) -> None:
    _metadata(dfdc / "dfdc_train_part_0", entries)
    with pytest.raises(FvcError) as err:
        read_corpus(dfdc, "dfdc")
    assert f"{dfdc / 'dfdc_train_part_0' / 'metadata.json'}: " in _one_line_error(err)
    assert message in str(err.value)


def test_dfdc_bad_json_names_the_file(dfdc: Path) -> None:
    (dfdc / "dfdc_train_part_1" / "metadata.json").write_text('{"ccc.mp4": {"label": "FAKE",}')
    with pytest.raises(FvcError) as err:
        read_corpus(dfdc, "dfdc")
    assert f"{dfdc / 'dfdc_train_part_1' / 'metadata.json'}: not valid JSON" in _one_line_error(err)


def test_dfdc_without_metadata_says_where_it_looked(tmp_path: Path) -> None:
    _touch(tmp_path, "part/aaa.mp4")
    with pytest.raises(FvcError) as err:
        read_corpus(tmp_path, "dfdc")
    assert "no metadata.json in it or its folders" in _one_line_error(err)


# --- fvc (the Fake Video Corpus) --------------------------------------------------------------------------------

FVC_CSV = """cascade_id,video_url,label
f0,https://www.youtube.com/watch?v=Y7MJlmbnLQA,fake
f1,https://www.facebook.com/NablusToday/videos/709022615787486/,fake
r0,https://www.youtube.com/watch?v=T65WI1o0aKA,real
r1,https://www.youtube.com/watch?v=FLUjak-EYxA,real
"""
FVC_DUP_CSV = """cascade_id,video_url,label
f0,https://twitter.com/DannyDutch/status/668495176038510592,fake
f0,https://www.youtube.com/watch?v=uqZeCGo0LnE,uncertain
f1,https://youtu.be/hZ5Kt-ffkA0,Debunked
r0,https://www.youtube.com/watch?v=0ai_IKEmMz8,parody
r0,https://www.youtube.com/watch?v=Y7MJlmbnLQA,fake
r1,https://www.youtube.com/watch?v=2UYhWfq8_yw,verified
"""


@pytest.fixture
def fvc(tmp_path: Path) -> Path:
    """FVC.csv and FVC_dup.csv in the corpus's own format; r1's first video failed to download."""
    (tmp_path / "FVC.csv").write_text(FVC_CSV)
    (tmp_path / "FVC_dup.csv").write_text(FVC_DUP_CSV)
    _touch(
        tmp_path,
        "videos/yt_Y7MJlmbnLQA.mp4",
        "videos/fb_709022615787486.mp4",
        "videos/yt_T65WI1o0aKA.webm",
        "videos/tw_668495176038510592.mp4",
        "videos/yt_uqZeCGo0LnE.mp4",  # its row is uncertain: known, excluded, not a stray
        "videos/yt_hZ5Kt-ffkA0.mkv",
        "videos/yt_2UYhWfq8_yw.mp4",
    )
    return tmp_path


def test_fvc_indexes_downloaded_videos_grouped_by_cascade(fvc: Path) -> None:
    rows = _rows(read_corpus(fvc, "fvc"))
    assert sorted(rows) == [
        "fb_709022615787486",
        "tw_668495176038510592",
        "yt_2UYhWfq8_yw",
        "yt_T65WI1o0aKA",
        "yt_Y7MJlmbnLQA",
        "yt_hZ5Kt-ffkA0",
    ]
    assert rows["tw_668495176038510592"] == {
        "video_id": "tw_668495176038510592",
        "path": "videos/tw_668495176038510592.mp4",
        "label": "fake",
        "group": "f0",
        "method": "fvc",
        "source": "f0",
    }
    assert (rows["yt_hZ5Kt-ffkA0"]["label"], rows["yt_hZ5Kt-ffkA0"]["group"]) == ("fake", "f1")  # Debunked
    assert (rows["yt_2UYhWfq8_yw"]["label"], rows["yt_2UYhWfq8_yw"]["method"]) == ("real", "none")  # verified
    assert rows["yt_T65WI1o0aKA"]["path"] == "videos/yt_T65WI1o0aKA.webm"
    assert rows["yt_Y7MJlmbnLQA"]["group"] == "f0"  # listed again under r0 in FVC_dup.csv: the first row wins
    _assert_file_name_safe(read_corpus(fvc, "fvc"))


def test_fvc_summary_counts_missing_excluded_repeated_and_strays(fvc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _touch(fvc, "videos/yt_Y7MJlmbnLQA.webm", "videos/yt_gone.mp4.part")
    read_corpus(fvc, "fvc")
    assert capsys.readouterr().out == (
        "fvc: 6 videos indexed (2 real, 4 fake) in 4 groups, the largest 2,"
        " 1 listed videos missing (e.g. videos/yt_FLUjak-EYxA.*),"
        " 2 rows excluded by label (parody 1, uncertain 1),"
        " 1 rows repeating a video,"
        " 2 files not in the layout (e.g. videos/yt_Y7MJlmbnLQA.webm)\n"
    )


def test_fvc_duplicates_can_be_left_out_without_calling_their_files_strays(
    fvc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = read_corpus(fvc, "fvc", duplicates=False)
    assert sorted(table["video_id"]) == ["fb_709022615787486", "yt_T65WI1o0aKA", "yt_Y7MJlmbnLQA"]
    assert capsys.readouterr().out.endswith(", 0 rows repeating a video, 0 files not in the layout\n")


def test_fvc_a_video_id_column_names_the_files(tmp_path: Path) -> None:
    (tmp_path / "FVC.csv").write_text("cascade_id,video_id,label\nc7,clip one,FAKE\nc7,clip two,real\n")
    _touch(tmp_path, "videos/clip one.mkv", "videos/clip two.mp4")
    rows = _rows(read_corpus(tmp_path, "fvc"))
    assert {k: (r["label"], r["group"], r["path"]) for k, r in rows.items()} == {
        "clip one": ("fake", "c7", "videos/clip one.mkv"),
        "clip two": ("real", "c7", "videos/clip two.mp4"),
    }


@pytest.mark.parametrize(
    ("url", "video_id"),
    [
        ("https://www.youtube.com/watch?v=_rgRzfLmS-s", "yt__rgRzfLmS-s"),
        ("https://youtu.be/-m3N_BnVdOI", "yt_-m3N_BnVdOI"),
        ("https://m.youtube.com/shorts/abcDEF12345", "yt_abcDEF12345"),
        ("https://www.facebook.com/170520334564/videos/10101373686098937/", "fb_10101373686098937"),
        ("https://www.facebook.com/video.php?v=123", "fb_123"),
        ("https://twitter.com/lolbri__/status/965366113096921088", "tw_965366113096921088"),
        ("https://x.com/a/status/1", "tw_1"),
    ],
)
def test_fvc_ids_come_from_the_platforms_video_id(url: str, video_id: str) -> None:
    assert video_id_from_url(url) == video_id


def test_fvc_other_urls_get_a_stable_hash_id() -> None:
    vid = video_id_from_url("https://vimeo.com/12345")
    assert vid == video_id_from_url(" https://vimeo.com/12345 ") and vid.startswith("url_") and len(vid) == 20


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("cascade_id,video_url\nf0,https://youtu.be/x\n", "FVC.csv: missing column(s) label"),
        ("id,label\nf0,fake\n", "FVC.csv: missing column(s) cascade_id, video_id or video_url"),
        ("cascade_id,video_url,label\n,https://youtu.be/x,fake\n", "FVC.csv: line 2, column cascade_id: empty value"),
        ("cascade_id,video_url,label\nf0,,fake\n", "FVC.csv: line 2: no video_id and no video_url"),
        ("cascade_id,video_id,label\nf0,a/b,fake\n", "FVC.csv: line 2, column video_id: 'a/b' is a file name"),
        ('cascade_id,video_url,label\nf0,"https://youtu.be/x,fake\n', "FVC.csv: line 2: malformed CSV"),
    ],
)
def test_fvc_a_bad_annotation_file_names_file_line_and_column(tmp_path: Path, csv_text: str, message: str) -> None:
    (tmp_path / "FVC.csv").write_text(csv_text)
    with pytest.raises(FvcError) as err:
        read_corpus(tmp_path, "fvc")
    assert message in _one_line_error(err)


def test_fvc_a_missing_annotation_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FvcError) as err:
        read_corpus(tmp_path, "fvc")
    assert f"{tmp_path / 'FVC.csv'}: not found" in _one_line_error(err)


def test_fvc_with_no_video_downloaded_says_so(fvc: Path) -> None:
    for p in (fvc / "videos").iterdir():
        p.unlink()
    with pytest.raises(FvcError, match="corpus layout fvc: no videos under"):
        read_corpus(fvc, "fvc")
