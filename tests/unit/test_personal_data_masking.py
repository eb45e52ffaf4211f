"""Masking personal data for lists and public pages (govcore.personal_data)."""

import pytest

from govcore.personal_data import (mask_address, mask_email, mask_id_number, mask_name, mask_phone,
                                   mask_postcode)
from plugins.disclosure.domain import CITIZEN, ORGANISATION, Applicant


def test_id_numbers_keep_the_region_and_the_last_four():
    assert mask_id_number("330102199001011234") == "3301**********1234"
    assert mask_id_number("33010619900101123X") == "3301**********123X"
    # Passports and permits are shorter: at least half stays hidden.
    assert mask_id_number("E12345678") == "E1*****78"
    assert mask_id_number("E1234") == "E***4"
    assert mask_id_number("123") == "***"


def test_phones_keep_the_operator_or_area_code_and_the_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0571-88881234") == "0571-****1234"
    assert mask_phone("01088881234") == "010****1234"
    assert mask_phone("0571-8888123-806") == "0571-***8123-***"
    assert mask_phone("12345") == "1***5"
    assert mask_phone("+8613812345678") == "+86********678"


def test_names_keep_the_first_character():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧***"
    assert mask_name("张") == "*"
    assert mask_name("Anna Li") == "A******"


def test_emails_keep_the_first_character_and_the_domain():
    assert mask_email("dong@example.com") == "d***@example.com"
    assert mask_email("d@example.com") == "d***@example.com"  # the length of the mailbox is not told
    assert mask_email("@example.com") == "***@example.com"
    assert mask_email("not-an-address") == "n***"


def test_addresses_and_postcodes_keep_the_region():
    assert mask_address("浙江省杭州市西湖区文三路100号") == "浙江省杭州市****"
    assert mask_address("人民路2号") == "人民****"  # a short one keeps less than half
    assert mask_address("路") == "****"
    assert mask_postcode("310000") == "31****"
    assert mask_postcode("31") == "**"


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_name, mask_email, mask_address, mask_postcode])
def test_nothing_stays_nothing(mask):
    assert mask("") == ""
    assert mask(None) == ""


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_name, mask_email, mask_address, mask_postcode])
@pytest.mark.parametrize("value", ["330102199001011234", "13812345678", "欧阳小明", "dong@example.com",
                                   "浙江省杭州市西湖区文三路100号", "310000", "ab", "x", "  ", "\u200b"])
def test_no_value_comes_back_whole(mask, value):
    masked = mask(value)
    assert masked != value and "*" in masked


def test_an_applicant_is_masked_except_for_an_organisations_public_facts():
    person = Applicant(CITIZEN, name="张三", id_type="居民身份证", id_number="330102199001011234",
                       phone="13812345678", email="zhangsan@example.com", address="浙江省杭州市西湖区文三路100号",
                       postcode="310000").masked()
    assert (person.name, person.id_type, person.id_number, person.phone, person.email, person.address,
            person.postcode) == ("张*", "居民身份证", "3301**********1234", "138****5678", "z***@example.com",
                                 "浙江省杭州市****", "31****")
    company = Applicant(ORGANISATION, org_name="示例科技有限公司", credit_code="91350100M000100Y43",
                        legal_rep="李四", contact_name="王小五", phone="0571-88881234").masked()
    assert (company.org_name, company.credit_code, company.legal_rep, company.contact_name, company.phone) == (
        "示例科技有限公司", "91350100M000100Y43", "李*", "王**", "0571-****1234")
