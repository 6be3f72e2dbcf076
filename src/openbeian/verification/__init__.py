"""Verification material: uploaded files checked by content and stored by digest (`uploads`), and the automatic
pre-check of the site leader's photo against the provider's backdrop (`backdrop`).

    store = UploadStore.from_settings(settings)
    stored = store.save(data, "me.jpg", field="leader_photo", accept=IMAGE_TYPES)   # ValidationError if refused
    check = check_backdrop_photo(store.read(stored.digest), BackdropRules(colour=parse_colour("#0055aa")))
    check.passed, check.reasons("zh-CN")
"""

from openbeian.verification.backdrop import (
    DEFAULT_BACKDROP,
    DEFAULT_RULES,
    BackdropCheck,
    BackdropRules,
    Problem,
    check_backdrop_photo,
    colour_hex,
    parse_colour,
)
from openbeian.verification.uploads import (
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    ContentType,
    CorruptUpload,
    ImageRejected,
    StoredUpload,
    UploadStore,
    check_upload,
    decode_image,
    default_upload_dir,
    detect_content_type,
    sanitise_name,
)

__all__ = [
    "DEFAULT_BACKDROP",
    "DEFAULT_RULES",
    "DOCUMENT_TYPES",
    "IMAGE_TYPES",
    "BackdropCheck",
    "BackdropRules",
    "ContentType",
    "CorruptUpload",
    "ImageRejected",
    "Problem",
    "StoredUpload",
    "UploadStore",
    "check_backdrop_photo",
    "check_upload",
    "colour_hex",
    "decode_image",
    "default_upload_dir",
    "detect_content_type",
    "parse_colour",
    "sanitise_name",
]
