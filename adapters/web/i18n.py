"""The translation domain of the web interface. Message ids are the Simplified Chinese texts."""

from pyramid.i18n import TranslationStringFactory

DOMAIN = "govcore"
_ = TranslationStringFactory(DOMAIN)
