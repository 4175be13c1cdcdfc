"""What an upload becomes: upright, sRGB, without metadata, in the widths pages ask for."""

import io

import pytest
from PIL import Image, ImageCms

from images import processing
from images.tests.factories import picture_bytes, upload

GPS = 0x8825
ORIENTATION = 0x0112


def _opened(encoded: processing.Encoded) -> Image.Image:
    return Image.open(io.BytesIO(encoded.data))


def _photo_with_metadata(size=(3000, 2000), orientation=6) -> bytes:
    """A JPEG as phones write it: stored sideways with an orientation tag, a GPS position and
    a camera model."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x0110] = "Phone 15"  # model
    exif.get_ifd(GPS)[2] = (55.0, 45.0, 0.0)  # latitude
    return picture_bytes("JPEG", size=size, exif=exif.tobytes())


def test_a_phone_photo_is_turned_upright_and_loses_its_metadata():
    photo = _photo_with_metadata()
    assert b"Phone 15" in photo and Image.open(io.BytesIO(photo)).getexif().get_ifd(GPS)

    prepared = processing.prepare(upload(photo, "IMG_0001.jpg", "image/jpeg"))

    master = _opened(prepared.master)
    assert master.format == "JPEG"
    assert master.size == (2000, 3000)  # orientation 6: turned a quarter clockwise
    assert (prepared.master.width, prepared.master.height) == (2000, 3000)
    for encoded in (prepared.master, *prepared.renditions):
        opened = _opened(encoded)
        assert not opened.getexif(), encoded.width  # no orientation, GPS or model left
        assert "exif" not in opened.info and "icc_profile" not in opened.info
        assert b"Phone 15" not in encoded.data


def test_renditions_are_webp_at_480_960_and_1600():
    prepared = processing.prepare(upload(picture_bytes(size=(3200, 1800))))

    assert [(r.width, r.height) for r in prepared.renditions] == [
        (480, 270), (960, 540), (1600, 900),
    ]  # fmt: skip
    for rendition in prepared.renditions:
        opened = _opened(rendition)
        assert opened.format == "WEBP" and opened.size == (rendition.width, rendition.height)
    # the kept picture is no wider than MASTER_MAX_WIDTH
    assert (prepared.master.width, prepared.master.height) == (2400, 1350)


@pytest.mark.parametrize(
    ("width", "widths"),
    [(3000, [480, 960, 1600]), (1600, [480, 960, 1600]), (700, [480, 700]), (300, [300])],
)
def test_a_narrow_picture_is_never_enlarged(width, widths):
    assert processing.rendition_widths(width) == widths
    prepared = processing.prepare(upload(picture_bytes(size=(width, 200))))
    assert [r.width for r in prepared.renditions] == widths


def test_a_transparent_picture_stays_transparent():
    prepared = processing.prepare(upload(picture_bytes("PNG", (800, 600), (10, 20, 30, 0))))

    master = _opened(prepared.master)
    assert master.format == "PNG" and master.mode == "RGBA"
    assert master.getpixel((0, 0))[3] == 0
    assert _opened(prepared.renditions[0]).mode == "RGBA"


def test_cmyk_and_palette_pictures_become_rgb():
    cmyk = io.BytesIO()
    Image.new("CMYK", (640, 480), (0, 255, 255, 0)).save(cmyk, "JPEG")
    for data in (cmyk.getvalue(), picture_bytes("GIF", (640, 480))):
        prepared = processing.prepare(upload(data))
        assert _opened(prepared.master).mode == "RGB"
        assert _opened(prepared.master).getpixel((320, 240))[0] > 150


def test_an_animation_gives_its_first_frame():
    frames = [Image.new("RGB", (320, 240), color) for color in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)

    prepared = processing.prepare(upload(buffer.getvalue(), "a.gif", "image/gif"))

    assert _opened(prepared.master).getpixel((10, 10))[0] > 200  # red, the first frame


def test_a_colour_profile_is_applied_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    data = picture_bytes("JPEG", (200, 100), (30, 200, 40), icc_profile=srgb.tobytes())

    prepared = processing.prepare(upload(data, "photo.jpg", "image/jpeg"))

    master = _opened(prepared.master)
    assert "icc_profile" not in master.info
    red, green, blue = master.getpixel((100, 50))
    assert green > 180 and red < 60 and blue < 70


def test_a_broken_profile_leaves_the_colours_as_they_are():
    data = picture_bytes("JPEG", (200, 100), (30, 200, 40), icc_profile=b"not a profile")

    prepared = processing.prepare(upload(data, "photo.jpg", "image/jpeg"))

    assert _opened(prepared.master).getpixel((100, 50))[1] > 180
