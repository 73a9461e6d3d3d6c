"""The demo office's partners: a coaching provider with a partner user, Kela, health and
social services, an education provider and career guidance. Idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from partners.models import ContactPerson, Partner, PartnerService, PartnerUser, ServiceType

DEMO_PARTNERS = [
    (
        "Valmennus Oy",
        [
            ("Job coaching", ServiceType.COACHING),
            ("Job-search coaching in English", ServiceType.COACHING),
        ],
        ("Kaisa Valmentaja", "Coaching lead", "kaisa@valmennus.example"),
    ),
    ("Kela", [("Vocational rehabilitation", ServiceType.KELA)], None),
    ("Terveysasema", [("Work-ability assessment", ServiceType.HEALTH)], None),
    ("Sosiaalipalvelut", [("Social work for job seekers", ServiceType.SOCIAL)], None),
    ("Ammattiopisto", [("Vocational training", ServiceType.EDUCATION)], None),
    ("Ohjaamo", [("Career guidance for under 30s", ServiceType.CAREER_GUIDANCE)], None),
]
DEMO_PARTNER_USERNAME = "partner"


@transaction.atomic
def seed_partners(*, password: str = "demo") -> Partner:
    """Create the demo partners and the `partner` login (Valmennus Oy). Returns the coaching
    partner. Running it twice changes nothing."""
    coaching = None
    for name, services, contact in DEMO_PARTNERS:
        partner, _created = Partner.objects.get_or_create(name=name)
        coaching = coaching or partner
        for service_name, service_type in services:
            PartnerService.objects.get_or_create(
                partner=partner, name=service_name, defaults={"service_type": service_type}
            )
        if contact:
            ContactPerson.objects.get_or_create(
                partner=partner,
                name=contact[0],
                defaults={"title": contact[1], "email": contact[2]},
            )
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DEMO_PARTNER_USERNAME,
        defaults={"first_name": "Pekka", "last_name": "Partneri"},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    PartnerUser.objects.get_or_create(user=user, defaults={"partner": coaching})
    return coaching
