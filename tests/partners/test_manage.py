from __future__ import annotations

import pytest
from django.urls import reverse

from partners.models import ContactPerson, Partner, PartnerService

pytestmark = pytest.mark.django_db


def test_manager_adds_a_partner_a_service_and_a_contact_person(client, manager):
    client.force_login(manager)
    assert client.get(reverse("partners:manage")).status_code == 200
    add = reverse("partners:manage_add", args=["partner"])
    assert client.post(add, {"partner-name": "Kela"}).status_code == 302
    kela = Partner.objects.get(name="Kela")
    client.post(
        reverse("partners:manage_add", args=["service"]),
        {
            "service-partner": kela.pk,
            "service-name": "Rehabilitation",
            "service-service_type": "kela",
        },
    )
    client.post(
        reverse("partners:manage_add", args=["contact"]),
        {"contact-partner": kela.pk, "contact-name": "Kaisa Kela", "contact-email": "k@kela.test"},
    )
    assert PartnerService.objects.get().service_type == "kela"
    assert ContactPerson.objects.get().name == "Kaisa Kela"
    page = client.get(reverse("partners:manage")).content.decode()
    assert "Rehabilitation" in page and "Kaisa Kela" in page


def test_an_invalid_service_type_is_refused_next_to_the_field(client, manager, partner_org):
    client.force_login(manager)
    response = client.post(
        reverse("partners:manage_add", args=["service"]),
        {"service-partner": partner_org.pk, "service-name": "X", "service-service_type": "magic"},
    )
    assert response.status_code == 200
    assert b'aria-describedby="id_service-service_type_error"' in response.content
    assert PartnerService.objects.filter(name="X").count() == 0


@pytest.mark.parametrize("who", ["adviser", "lead", "outsider", "partner_user"])
def test_only_managers_manage_partners(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("partners:manage")).status_code in {403, 404}
    add = client.post(reverse("partners:manage_add", args=["partner"]), {"partner-name": "X"})
    assert add.status_code in {403, 404}
    assert not Partner.objects.filter(name="X").exists()
