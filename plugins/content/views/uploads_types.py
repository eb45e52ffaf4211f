"""What an uploaded file is, decided by its content: magic bytes, container directories, text encoding.

The client's file name and Content-Type are never trusted for the type. The name is checked only
against the content: a name whose extension claims another type than the bytes show is refused
(an HTML page called ``photo.png``), and a name without a known extension gets the right one.
HTML, SVG and every type not listed here are refused: the portal serves uploads from its own origin.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from filetype.types import archive, audio, image, video

IMAGE, AUDIO, VIDEO, ATTACHMENT = "image", "audio", "video", "attachment"
CATEGORIES = (IMAGE, AUDIO, VIDEO, ATTACHMENT)


@dataclass(frozen=True)
class Kind:
    media_type: str
    category: str
    extensions: tuple[str, ...]  # the first is the canonical one
    title: str  # shown in messages


PNG = Kind("image/png", IMAGE, ("png",), "PNG 图片")
JPEG = Kind("image/jpeg", IMAGE, ("jpg", "jpeg", "jpe"), "JPEG 图片")
GIF = Kind("image/gif", IMAGE, ("gif",), "GIF 图片")
WEBP = Kind("image/webp", IMAGE, ("webp",), "WebP 图片")
MP3 = Kind("audio/mpeg", AUDIO, ("mp3",), "MP3 音频")
M4A = Kind("audio/mp4", AUDIO, ("m4a", "mp4", "aac"), "M4A 音频")
AAC = Kind("audio/aac", AUDIO, ("aac",), "AAC 音频")
OGG = Kind("audio/ogg", AUDIO, ("ogg", "oga", "opus"), "Ogg 音频")
WAV = Kind("audio/wav", AUDIO, ("wav",), "WAV 音频")
MP4 = Kind("video/mp4", VIDEO, ("mp4", "m4v"), "MP4 视频")
WEBM = Kind("video/webm", VIDEO, ("webm",), "WebM 视频")
PDF = Kind("application/pdf", ATTACHMENT, ("pdf",), "PDF 文档")
DOC = Kind("application/msword", ATTACHMENT, ("doc", "wps", "dot"), "Word 文档")
XLS = Kind("application/vnd.ms-excel", ATTACHMENT, ("xls", "et"), "Excel 表格")
PPT = Kind("application/vnd.ms-powerpoint", ATTACHMENT, ("ppt", "dps"), "PowerPoint 演示文稿")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ATTACHMENT,
            ("docx", "wps"), "Word 文档")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ATTACHMENT, ("xlsx", "et"),
            "Excel 表格")
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", ATTACHMENT,
            ("pptx", "dps"), "PowerPoint 演示文稿")
ODT = Kind("application/vnd.oasis.opendocument.text", ATTACHMENT, ("odt",), "OpenDocument 文本")
ODS = Kind("application/vnd.oasis.opendocument.spreadsheet", ATTACHMENT, ("ods",), "OpenDocument 表格")
OFD = Kind("application/ofd", ATTACHMENT, ("ofd",), "OFD 版式文档")
ZIP = Kind("application/zip", ATTACHMENT, ("zip",), "ZIP 压缩包")
TXT = Kind("text/plain; charset=utf-8", ATTACHMENT, ("txt",), "文本文件")
CSV = Kind("text/csv; charset=utf-8", ATTACHMENT, ("csv",), "CSV 表格")

KINDS = (PNG, JPEG, GIF, WEBP, MP3, M4A, AAC, OGG, WAV, MP4, WEBM, PDF, DOC, XLS, PPT, DOCX, XLSX, PPTX, ODT, ODS,
         OFD, ZIP, TXT, CSV)
# Extensions of types we know but refuse, so that e.g. "x.html" holding text is not taken for a .txt.
REFUSED_EXTENSIONS = {"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "js", "mjs", "exe", "bat", "cmd", "sh",
                      "php", "jsp", "asp", "aspx", "swf", "jar", "msi", "dll", "scr", "com", "vbs", "ps1", "hta"}
KNOWN_EXTENSIONS = {ext for kind in KINDS for ext in kind.extensions} | REFUSED_EXTENSIONS

# Order matters: M4A files also carry the generic MP4 brands.
_MATCHERS = (
    (image.Png(), PNG), (image.Jpeg(), JPEG), (image.Gif(), GIF), (image.Webp(), WEBP),
    (audio.M4a(), M4A), (audio.Mp3(), MP3), (audio.Aac(), AAC), (audio.Ogg(), OGG), (audio.Wav(), WAV),
    (video.Mp4(), MP4), (video.Webm(), WEBM), (archive.Pdf(), PDF),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_HEAD = 8192
_TEXT_LIMIT = 20 * 1024 * 1024
_OLE_STREAMS = (("WordDocument", DOC), ("Workbook", XLS), ("Book", XLS), ("PowerPoint Document", PPT))
_ODF_TYPES = {ODT.media_type: ODT, ODS.media_type: ODS}
_MARKUP_STARTS = (b"<", b"\xef\xbb\xbf<")


class Refused(Exception):
    """The file may not be uploaded; ``message`` says why, in Chinese, for the editor."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Detected:
    kind: Kind
    filename: str  # the client's name, with the extension that fits the content


def detect(stream: BinaryIO, filename: str) -> Detected:
    """The kind of the file in ``stream`` (seekable) and the name to keep; raises :class:`Refused`."""
    stream.seek(0)
    head = stream.read(_HEAD)
    if not head:
        raise Refused("文件是空的")
    kind = _by_content(stream, head)
    return Detected(kind, _fitting_name(filename, kind))


def _by_content(stream: BinaryIO, head: bytes) -> Kind:
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(stream)
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(stream)
    for matcher, kind in _MATCHERS:
        if matcher.match(head):
            return kind
    other = filetype.guess(head)
    if other is not None:
        raise Refused(f"不支持此类文件（{other.mime}）")
    return _text_kind(stream, head)


def _zip_kind(stream: BinaryIO) -> Kind:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive_file:
            names = set(archive_file.namelist())
            if "[Content_Types].xml" in names:
                prefixes = {name.split("/", 1)[0] for name in names}
                for prefix, kind in (("word", DOCX), ("xl", XLSX), ("ppt", PPTX)):
                    if prefix in prefixes:
                        return kind
            if "mimetype" in names:
                declared = archive_file.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in _ODF_TYPES:
                    return _ODF_TYPES[declared]
            if "OFD.xml" in names:
                return OFD
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError):
        raise Refused("压缩文件已损坏，无法识别") from None
    return ZIP


def _ole_kind(stream: BinaryIO) -> Kind:
    """Legacy Office (and WPS) files are OLE containers; the names of their streams tell them apart.

    Directory entries hold names in UTF-16LE, so finding the name in the bytes is enough once the
    container's magic number has matched.
    """
    stream.seek(0)
    data = stream.read()
    for name, kind in _OLE_STREAMS:
        if name.encode("utf-16-le") + b"\x00\x00" in data:
            return kind
    raise Refused("无法识别的 Office 文件")


def _text_kind(stream: BinaryIO, head: bytes) -> Kind:
    stream.seek(0)
    data = stream.read(_TEXT_LIMIT + 1)
    if len(data) > _TEXT_LIMIT or b"\x00" in data:
        raise Refused("无法识别的文件类型")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused("无法识别的文件类型")
    if text.lstrip().startswith("<") or head.lstrip().startswith(_MARKUP_STARTS):
        raise Refused("不接受网页（HTML）、SVG 或 XML 文件")
    return TXT


def _fitting_name(filename: str, kind: Kind) -> str:
    """The client's base name (no folders), with an extension that matches the content."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".") or "file"
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot else ""
    if kind is TXT and ext == "csv":
        return name  # plain text either way; the name picks the media type below
    if ext in kind.extensions:
        return name
    if ext in KNOWN_EXTENSIONS:
        raise Refused(f"文件名“{name}”与文件内容（{kind.title}）不符")
    return f"{name}.{kind.extensions[0]}"


def media_type_of(detected: Detected) -> str:
    if detected.kind is TXT and detected.filename.lower().endswith(".csv"):
        return CSV.media_type
    return detected.kind.media_type


def kind_of_media_type(media_type: str) -> Kind | None:
    return next((kind for kind in KINDS if kind.media_type == media_type), None)


def format_label(media_type: str) -> str:
    """What visitors are told a file is: its usual extension (PDF, DOCX), the same in every language."""
    kind = kind_of_media_type(media_type)
    return kind.extensions[0].upper() if kind else media_type

