from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from config.uploads import DECODING_ERRORS, PictureField, broken_picture

from . import processing
from .models import Image


class LibraryPictureField(PictureField):
    """A picture for the media library or a cover: IMAGE_MAX_BYTES, IMAGE_MAX_SIDE, and the
    resized copies made here, in memory, so a picture that cannot be resized is a form error
    and nothing is stored. The upload comes back with `prepared` (processing.Prepared)."""

    max_bytes_setting = "IMAGE_MAX_BYTES"
    max_side_setting = "IMAGE_MAX_SIDE"
    max_frames_setting = "IMAGE_MAX_FRAMES"

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        try:
            upload.prepared = processing.prepare(upload)
        except DECODING_ERRORS as error:
            raise broken_picture() from error
        return upload

    def help_text_for_limits(self) -> str:
        return _("JPEG, PNG, WebP или GIF (от анимации — первый кадр), не больше %(size)s.") % {
            "size": filesizeformat(settings.IMAGE_MAX_BYTES)
        }


class ImageUploadForm(forms.ModelForm):
    """A new picture for the library: the file and what it shows. Validates; the admin's
    save_model stores it through images.services."""

    upload = LibraryPictureField(label=_("Файл"))

    class Meta:
        model = Image
        fields = ("upload", "alt")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = self.fields["upload"].help_text_for_limits()
