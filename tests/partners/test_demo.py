from __future__ import annotations

import pytest
from django.core.management import call_command

from partners.models import Partner, PartnerUser, ServiceType

pytestmark = pytest.mark.django_db


def test_demo_partners_cover_every_service_type_and_seeding_twice_changes_nothing():
    call_command("seed_partners", "--password", "demo")
    call_command("seed_partners", "--password", "demo")
    assert Partner.objects.count() == 6
    types = set(Partner.objects.values_list("services__service_type", flat=True))
    assert types == set(ServiceType.values) - {ServiceType.OTHER}
    link = PartnerUser.objects.get()
    assert link.user.username == "partner" and link.user.check_password("demo")
    assert Partner.objects.of_user(link.user).name == "Valmennus Oy"
