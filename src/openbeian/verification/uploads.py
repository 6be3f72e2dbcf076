"""Uploaded files (the leader's photo, the signed authenticity letter): checked by content, stored by digest.

The type comes from the bytes, never from the declared name: PNG and JPEG must carry their magic bytes and open
and decode fully in Pillow; a PDF must start with `%PDF-` and end with an `%%EOF` trailer. Anything else, anything
empty and anything over the size cap is refused with a bilingual `ValidationError` naming the form field.

Files live in a directory outside the web root, content-addressed by SHA-256:

    <upload_dir>/<first two hex digits>/<sha256>.<png|jpg|pdf>

A file is written to a temporary name in the same directory, flushed to disk and renamed into place, so a reader
never sees half a file. Equal bytes are stored once. The original file name is not kept on disk: the caller
records the returned `StoredUpload` (see `to_dict` / `from_dict`) beside the order that uses it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from openbeian.config import Settings
from openbeian.errors import ConfigurationError, NotFound, OpenBeianError, Text, ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Larger than any phone camera's photo (50 MP) with room to spare, small enough that decoding stays within a few
# hundred MB: a 10 MB PNG of one colour can otherwise claim billions of pixels (a decompression bomb).
DEFAULT_MAX_PIXELS = 64_000_000
PDF_TRAILER_WINDOW = 1024  # the PDF spec lets the %%EOF marker sit within the last 1024 bytes
WEB_STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


class ContentType(StrEnum):
    PNG = "image/png"
    JPEG = "image/jpeg"
    PDF = "application/pdf"

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]

    @property
    def is_image(self) -> bool:
        return self is not ContentType.PDF


_EXTENSIONS = {ContentType.PNG: "png", ContentType.JPEG: "jpg", ContentType.PDF: "pdf"}
IMAGE_TYPES = frozenset({ContentType.PNG, ContentType.JPEG})
DOCUMENT_TYPES = frozenset(ContentType)
_DIGEST = re.compile(r"[0-9a-f]{64}")


class CorruptUpload(OpenBeianError):
    """A stored file no longer matches its digest (changed on disk after it was written)."""

    code = "corrupt_upload"


@dataclass(frozen=True)
class StoredUpload:
    digest: str  # hex SHA-256 of the content; the upload's id
    content_type: ContentType
    size: int
    original_name: str  # sanitised: a bare file name, no directories or control characters
    path: Path

    @property
    def id(self) -> str:
        return self.digest

    @property
    def download_name(self) -> str:
        """The original name with the extension the content really has (photo.png holding a JPEG -> photo.jpg)."""
        stem = self.original_name.rsplit(".", 1)[0] if "." in self.original_name else self.original_name
        return f"{stem or 'upload'}.{self.content_type.extension}"

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form to keep in an order's payload; the path is derived again from the store on read."""
        return {
            "digest": self.digest,
            "content_type": self.content_type.value,
            "size": self.size,
            "original_name": self.original_name,
        }


def detect_content_type(data: bytes) -> ContentType | None:
    """The type the bytes announce (magic numbers only; `check_upload` also parses them)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ContentType.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return ContentType.JPEG
    if data.startswith(b"%PDF-"):
        return ContentType.PDF
    return None


def check_upload(
    data: bytes,
    *,
    field: str = "file",
    accept: Collection[ContentType] = DOCUMENT_TYPES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ContentType:
    """Check an upload's bytes and return its real type, or raise ValidationError naming `field`."""
    if not data:
        raise ValidationError.for_field(field, "The file is empty.", "文件为空。")
    if len(data) > max_bytes:
        raise ValidationError.for_field(
            field,
            f"The file is {_human_size(len(data))}; the limit is {_human_size(max_bytes)}.",
            f"文件大小为 {_human_size(len(data))}，上限为 {_human_size(max_bytes)}。",
        )
    content_type = detect_content_type(data)
    if content_type is None or content_type not in accept:
        raise ValidationError.for_field(field, *_refusal(accept))
    if content_type is ContentType.PDF:
        if b"%%EOF" not in data[-PDF_TRAILER_WINDOW:]:
            raise ValidationError.for_field(
                field,
                "The PDF is incomplete: its %%EOF end marker is missing.",
                "PDF 文件不完整：缺少结尾标记 %%EOF。",
            )
    else:
        try:
            decode_image(data, max_pixels).close()
        except ImageRejected as rejected:
            raise ValidationError.for_field(field, rejected.text.en, rejected.text.zh) from None
    return content_type


class ImageRejected(Exception):
    """Raised by `decode_image`; `code` is damaged | too_many_pixels, `text` says why in both languages."""

    def __init__(self, code: str, text: Text) -> None:
        super().__init__(text.en)
        self.code = code
        self.text = text


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """A PNG or JPEG decoded in full, its format matching its magic bytes; ImageRejected otherwise."""
    damaged = ImageRejected(
        "damaged",
        Text("The image is damaged or truncated and cannot be opened.", "图片已损坏或不完整，无法打开。"),
    )
    content_type = detect_content_type(data)
    if content_type is None or not content_type.is_image:
        raise damaged
    expected_format = "PNG" if content_type is ContentType.PNG else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if probe.format != expected_format:
                    raise damaged
                if width * height > max_pixels:
                    raise ImageRejected(
                        "too_many_pixels",
                        Text(
                            f"The image has {width}×{height} pixels, more than {max_pixels:,} in all.",
                            f"图片为 {width}×{height} 像素，总数超过 {max_pixels:,}。",
                        ),
                    )
                probe.verify()  # structure and checksums (PNG chunk CRCs)
            # verify() does not decode; a fresh open and load() catches truncated pixel data (JPEG above all).
            image = Image.open(io.BytesIO(data))
            try:
                image.load()
            except BaseException:
                image.close()
                raise
            return image
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):  # Pillow's own limit, met in open()
        raise ImageRejected(
            "too_many_pixels",
            Text(f"The image has more than {max_pixels:,} pixels.", f"图片像素总数超过 {max_pixels:,}。"),
        ) from None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        raise damaged from None


def _refusal(accept: Collection[ContentType]) -> tuple[str, str]:
    if set(accept) <= IMAGE_TYPES:
        return (
            "Only PNG or JPEG images are accepted (checked by content, not by name).",
            "只接受 PNG 或 JPEG 图片（按文件内容判断，而非文件名）。",
        )
    return (
        "Only PNG, JPEG or PDF files are accepted (checked by content, not by name).",
        "只接受 PNG、JPEG 或 PDF 文件（按文件内容判断，而非文件名）。",
    )


def _human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def sanitise_name(name: str, limit: int = 100) -> str:
    """A declared file name made safe to show and to offer for download: last path part only, NFC, no control or
    reserved characters, no leading dots, at most `limit` characters (the extension kept)."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if ch in '<>:"|?*' or unicodedata.category(ch).startswith("C") else ch for ch in name).strip(
        " ."
    )
    if len(name) > limit:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: limit - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:limit]
    return name or "upload"


def default_upload_dir(database_url: str) -> Path:
    """data/uploads next to the SQLite database file; under the working directory for other databases."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix):
        file = database_url[len(prefix) :].split("?", 1)[0]
        if file and file != ":memory:":
            return Path(file).parent / "data" / "uploads"
    return Path("data") / "uploads"


class UploadStore:
    """Content-addressed storage of checked uploads in one directory outside the web root."""

    def __init__(
        self,
        directory: Path | str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.directory = Path(directory).resolve()
        if self.directory == WEB_STATIC_DIR or WEB_STATIC_DIR in self.directory.parents:
            raise ConfigurationError(
                Text(
                    f"The upload directory {self.directory} is inside the web root; choose a directory outside it.",
                    f"上传目录 {self.directory} 位于网站根目录内，请改用其外的目录。",
                )
            )
        if max_bytes <= 0:
            raise ConfigurationError(Text("The upload size limit must be positive.", "上传大小上限必须为正数。"))
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadStore:
        """upload_dir (default: data/uploads next to the SQLite file) and upload_max_bytes."""
        directory = settings.upload_dir or default_upload_dir(settings.database_url)
        return cls(directory, max_bytes=settings.upload_max_bytes)

    def save(
        self,
        data: bytes,
        declared_name: str,
        *,
        field: str = "file",
        accept: Collection[ContentType] = DOCUMENT_TYPES,
    ) -> StoredUpload:
        """Check `data` (see `check_upload`) and store it; the same bytes saved twice are stored once."""
        content_type = check_upload(
            data, field=field, accept=accept, max_bytes=self.max_bytes, max_pixels=self.max_pixels
        )
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest, content_type)
        if not path.is_file():
            _write_atomically(path, data)
        return StoredUpload(digest, content_type, len(data), sanitise_name(declared_name), path)

    def locate(self, digest: str) -> tuple[Path, ContentType]:
        """Where the upload with this digest is stored, or NotFound."""
        if not _DIGEST.fullmatch(digest):
            raise _not_found(digest)
        for content_type in ContentType:
            path = self._path(digest, content_type)
            if path.is_file():
                return path, content_type
        raise _not_found(digest)

    def read(self, digest: str) -> bytes:
        """The stored bytes, checked against their digest (CorruptUpload when the file was changed on disk)."""
        path, _ = self.locate(digest)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise CorruptUpload(Text(f"Stored file {digest} is damaged.", f"已存储的文件 {digest} 已损坏。"))
        return data

    def describe(self, record: Mapping[str, object]) -> StoredUpload:
        """A StoredUpload from its `to_dict` form, with the path found in this store."""
        path, content_type = self.locate(str(record["digest"]))
        return StoredUpload(
            digest=str(record["digest"]),
            content_type=content_type,
            size=path.stat().st_size,
            original_name=sanitise_name(str(record.get("original_name", ""))),
            path=path,
        )

    def _path(self, digest: str, content_type: ContentType) -> Path:
        return self.directory / digest[:2] / f"{digest}.{content_type.extension}"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _not_found(digest: str) -> NotFound:
    return NotFound(Text(f"No stored upload {digest[:64]!r}.", f"没有已存储的上传文件 {digest[:64]!r}。"))
