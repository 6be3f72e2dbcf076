"""Uploads: type by content (PNG, JPEG, PDF), size cap, content-addressed atomic storage outside the web root."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from openbeian.config import load_settings
from openbeian.errors import ConfigurationError, NotFound, ValidationError
from openbeian.verification import (
    IMAGE_TYPES,
    ContentType,
    CorruptUpload,
    UploadStore,
    check_upload,
    default_upload_dir,
    sanitise_name,
)
from openbeian.verification.uploads import WEB_STATIC_DIR

from .photos import encode, minimal_pdf, portrait


@pytest.fixture
def store(tmp_path: Path) -> UploadStore:
    return UploadStore(tmp_path / "uploads")


def refusal(store: UploadStore, data: bytes, name: str = "file.bin", **options: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        store.save(data, name, **options)  # type: ignore[arg-type]
    return caught.value


def test_a_jpeg_photo_is_stored_under_its_sha256_and_reads_back(store: UploadStore) -> None:
    data = portrait()
    stored = store.save(data, "leader.jpg", field="leader_photo")
    digest = hashlib.sha256(data).hexdigest()
    assert stored.digest == stored.id == digest
    assert stored.content_type is ContentType.JPEG
    assert stored.size == len(data)
    assert stored.original_name == "leader.jpg"
    assert stored.path == store.directory / digest[:2] / f"{digest}.jpg"
    assert store.read(digest) == data
    assert store.locate(digest) == (stored.path, ContentType.JPEG)


def test_png_and_pdf_are_accepted(store: UploadStore) -> None:
    assert store.save(portrait(image_format="PNG"), "a.png").content_type is ContentType.PNG
    letter = store.save(minimal_pdf(), "真实性核验单.pdf", field="authenticity_letter")
    assert letter.content_type is ContentType.PDF
    assert store.read(letter.digest) == minimal_pdf()


def test_the_type_comes_from_the_content_not_the_name(store: UploadStore) -> None:
    stored = store.save(portrait(image_format="PNG"), "scan.pdf")
    assert stored.content_type is ContentType.PNG
    assert stored.path.suffix == ".png"
    assert stored.download_name == "scan.png"


def test_a_text_file_named_png_is_refused_naming_the_field_in_both_languages(store: UploadStore) -> None:
    error = refusal(store, b"hello, I am not a picture\n", "photo.png", field="leader_photo")
    assert set(error.fields) == {"leader_photo"}
    assert "PNG, JPEG or PDF" in error.fields["leader_photo"].en
    assert "按文件内容判断" in error.fields["leader_photo"].zh
    assert error.to_dict("zh-CN")["message"].startswith("leader_photo：")  # type: ignore[union-attr]
    assert not store.directory.exists() or not any(store.directory.rglob("*"))


def test_a_pdf_is_refused_where_only_images_are_accepted(store: UploadStore) -> None:
    error = refusal(store, minimal_pdf(), "photo.png", field="leader_photo", accept=IMAGE_TYPES)
    assert "PNG or JPEG images" in error.fields["leader_photo"].en
    assert "图片" in error.fields["leader_photo"].zh


def test_files_over_the_size_cap_are_refused(tmp_path: Path) -> None:
    small = UploadStore(tmp_path / "u", max_bytes=50_000)
    data = portrait(image_format="PNG", width=1600, height=2000)
    error = refusal(small, data + b"\0" * 50_000, "big.png", field="leader_photo")
    assert error.fields["leader_photo"].en.endswith("the limit is 49 KB.")
    assert "上限为 49 KB" in error.fields["leader_photo"].zh


def test_the_default_cap_is_10_mb_and_configurable(tmp_path: Path) -> None:
    config = load_settings(env={}, dotenv=None)
    assert config.upload_max_bytes == 10 * 1024 * 1024
    assert UploadStore.from_settings(config).max_bytes == 10 * 1024 * 1024
    tight = load_settings(
        env={"OPENBEIAN_UPLOAD_MAX_BYTES": "1000", "OPENBEIAN_UPLOAD_DIR": str(tmp_path / "up")}, dotenv=None
    )
    store = UploadStore.from_settings(tight)
    assert store.max_bytes == 1000
    assert store.directory == (tmp_path / "up").resolve()
    error = refusal(store, portrait(), "me.jpg")
    assert error.fields["file"].en.endswith("the limit is 1 KB.")


def test_an_empty_file_is_refused(store: UploadStore) -> None:
    assert "empty" in refusal(store, b"", "x.jpg").fields["file"].en


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_a_truncated_image_is_refused(store: UploadStore, image_format: str) -> None:
    data = portrait(image_format=image_format)
    error = refusal(store, data[: len(data) * 2 // 3], "photo")
    assert "truncated" in error.fields["file"].en
    assert "不完整" in error.fields["file"].zh


def test_an_image_with_a_corrupted_png_checksum_is_refused(store: UploadStore) -> None:
    data = bytearray(portrait(image_format="PNG", width=60, height=80))
    data[data.index(b"IDAT") + 10] ^= 0xFF  # inside the first IDAT chunk: its CRC no longer matches
    assert "damaged" in refusal(store, bytes(data), "photo.png").fields["file"].en


def test_jpeg_magic_bytes_followed_by_garbage_are_refused(store: UploadStore) -> None:
    assert "damaged" in refusal(store, b"\xff\xd8\xff\xe0" + b"garbage" * 100, "fake.jpg").fields["file"].en


def test_a_pdf_without_its_eof_trailer_is_refused(store: UploadStore) -> None:
    truncated = minimal_pdf()[:-20]
    error = refusal(store, truncated, "letter.pdf", field="authenticity_letter")
    assert "%%EOF" in error.fields["authenticity_letter"].en


def test_images_with_too_many_pixels_are_refused_before_decoding(tmp_path: Path) -> None:
    store = UploadStore(tmp_path / "u", max_pixels=1_000_000)
    flat = encode(Image.new("L", (1500, 1000), 0), "PNG")  # tiny file, 1.5 million pixels
    error = refusal(store, flat, "bomb.png")
    assert "1500×1000" in error.fields["file"].en


def test_a_decompression_bomb_is_refused(store: UploadStore) -> None:
    bomb = encode(Image.new("1", (10_000, 10_000)), "PNG")  # 12 KB on disk, 100 million pixels
    assert len(bomb) < 20_000
    error = refusal(store, bomb, "bomb.png")
    assert "pixels" in error.fields["file"].en and "像素" in error.fields["file"].zh


def test_equal_content_is_stored_once_and_no_temporary_files_remain(store: UploadStore) -> None:
    data = portrait()
    first = store.save(data, "a.jpg")
    second = store.save(data, "b.jpg")
    assert first.path == second.path
    assert (first.original_name, second.original_name) == ("a.jpg", "b.jpg")
    files = [path for path in store.directory.rglob("*") if path.is_file()]
    assert files == [first.path]


def test_a_stored_record_is_described_again_from_its_dict(store: UploadStore) -> None:
    stored = store.save(minimal_pdf(), "../letter.pdf")
    again = store.describe(stored.to_dict())
    assert again == stored


def test_reading_an_unknown_or_malformed_digest_is_not_found(store: UploadStore) -> None:
    with pytest.raises(NotFound):
        store.read("0" * 64)
    for bad in ["../../etc/passwd", "ABC", "0" * 63 + "/", ""]:
        with pytest.raises(NotFound):
            store.read(bad)


def test_a_file_changed_on_disk_is_reported_corrupt(store: UploadStore) -> None:
    stored = store.save(portrait(), "a.jpg")
    stored.path.write_bytes(b"tampered")
    with pytest.raises(CorruptUpload) as caught:
        store.read(stored.digest)
    assert caught.value.text.zh


def test_declared_names_are_sanitised() -> None:
    assert sanitise_name("../../etc/passwd") == "passwd"
    assert sanitise_name("C:\\Users\\张三\\证件照.JPG") == "证件照.JPG"
    assert sanitise_name(".htaccess") == "htaccess"
    assert sanitise_name("a\r\nb<script>.png") == "a__b_script_.png"
    assert sanitise_name("") == sanitise_name("...") == "upload"
    long = sanitise_name("x" * 300 + ".jpeg")
    assert len(long) == 100 and long.endswith(".jpeg")


def test_the_store_refuses_a_directory_inside_the_web_root() -> None:
    with pytest.raises(ConfigurationError):
        UploadStore(WEB_STATIC_DIR / "uploads")
    with pytest.raises(ConfigurationError):
        UploadStore(WEB_STATIC_DIR)


def test_the_default_directory_is_data_uploads_next_to_the_sqlite_file(tmp_path: Path) -> None:
    assert default_upload_dir(f"sqlite:///{tmp_path}/ob.db") == tmp_path / "data" / "uploads"
    assert default_upload_dir("sqlite:///openbeian.db") == Path("data/uploads")
    assert default_upload_dir("postgresql+psycopg://u@h/db") == Path("data/uploads")
    config = load_settings(env={"OPENBEIAN_DATABASE_URL": f"sqlite:///{tmp_path}/ob.db"}, dotenv=None)
    assert UploadStore.from_settings(config).directory == (tmp_path / "data" / "uploads").resolve()


def test_a_real_upload_opens_in_pillow_after_reading_back(store: UploadStore) -> None:
    stored = store.save(portrait(image_format="PNG"), "p.png")
    with Image.open(io.BytesIO(store.read(stored.digest))) as image:
        assert image.size == (900, 1200)


@given(st.text(max_size=300))
def test_any_declared_name_sanitises_to_a_bare_safe_name(name: str) -> None:
    safe = sanitise_name(name)
    assert 0 < len(safe) <= 100
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert not any(unicodedata.category(ch).startswith("C") for ch in safe)


@settings(max_examples=60)
@given(st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"%PDF-1.7\n"]), st.binary(max_size=2000))
def test_arbitrary_bytes_are_either_accepted_or_refused_with_a_validation_error(prefix: bytes, tail: bytes) -> None:
    try:
        content_type = check_upload(prefix + tail, field="f")
    except ValidationError as error:
        assert set(error.fields) == {"f"}
    else:
        assert content_type is ContentType.PDF  # random bytes never decode as a whole PNG or JPEG
