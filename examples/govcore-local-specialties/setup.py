"""Distribution of the local-specialties plugin: an example of a third-party govcore plugin.

Installing it registers the plugin in govcore's ``govcore.plugins`` entry-point group; a county
then turns it on by naming ``local_specialties`` in its ``county.toml``. Nothing in govcore changes.
"""

from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="govcore-local-specialties",
    version="0.1.0",
    description="地方特产：a govcore plugin showing each township's local products on the county portal",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11",
    packages=find_packages(include=["govcore_local_specialties", "govcore_local_specialties.*"]),
    # Templates and alembic revisions are data to setuptools: the migrations folder is not a package.
    package_data={"govcore_local_specialties": ["templates/*.pt", "static/*.css", "migrations/*.py"]},
    zip_safe=False,
    install_requires=["govcore"],
    entry_points={
        "govcore.plugins": ["local_specialties = govcore_local_specialties.plugin"],
    },
)
