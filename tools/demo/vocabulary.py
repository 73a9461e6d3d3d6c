"""What the demo office is made of: names, places, notes and the weights it draws by."""

from __future__ import annotations

import zoneinfo

from django.conf import settings

from clients.models import Status
from interviews.choices import Channel
from plans.models import ActionKind, Goal

HELSINKI = zoneinfo.ZoneInfo(settings.TIME_ZONE)  # the office's zone (Europe/Helsinki)

FIRST_NAMES = [
    "Aino",
    "Eino",
    "Helmi",
    "Väinö",
    "Aada",
    "Leo",
    "Emma",
    "Onni",
    "Sofia",
    "Elias",
    "Venla",
    "Oliver",
    "Lilja",
    "Eetu",
    "Ella",
    "Juho",
    "Anni",
    "Mikael",
    "Iida",
    "Matias",
    "Kerttu",
    "Aleksi",
    "Siiri",
    "Ilmari",
    "Pihla",
    "Otto",
    "Enni",
    "Joel",
    "Hilla",
    "Niilo",
    "Amira",
    "Ahmed",
    "Olga",
    "Dmitri",
    "Fatima",
    "Hassan",
    "Maria",
    "Jonas",
    "Linnea",
    "Erik",
    "Saga",
    "Johan",
    "Noor",
    "Ali",
]
LAST_NAMES = [
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
    "Lindqvist",
    "Nyström",
    "Holmberg",
    "Mohamed",
    "Ivanov",
    "Petrova",
    "Ali",
    "Nguyen",
    "Andersson",
    "Berg",
]
STREETS = [
    "Mannerheimintie",
    "Hämeenkatu",
    "Kauppakatu",
    "Puistokatu",
    "Rantatie",
    "Koulukatu",
    "Asemakatu",
]
CITIES = ["Helsinki", "Espoo", "Vantaa", "Tampere", "Turku", "Lahti", "Kuopio", "Oulu"]

STATUS_WEIGHTS = [
    (Status.UNEMPLOYED, 44),
    (Status.LAID_OFF, 5),
    (Status.PART_TIME, 16),
    (Status.IN_SERVICE, 10),
    (Status.EMPLOYED, 12),
    (Status.NOT_JOB_SEEKER, 8),
    (Status.THREATENED, 2),
    (Status.SHORTENED_HOURS, 2),
    (Status.WAGE_SUBSIDY, 3),
]
CHANNEL_WEIGHTS = [(Channel.PHONE, 55), (Channel.FACE_TO_FACE, 30), (Channel.VIDEO, 15)]
LANGUAGE_WEIGHTS = [("fi", 80), ("sv", 6), ("en", 6), ("other", 8)]
GOAL_WEIGHTS = [
    (Goal.WORK, 60),
    (Goal.TRAINING, 20),
    (Goal.REHABILITATION, 10),
    (Goal.BUSINESS, 4),
    (Goal.OTHER, 6),
]
NOTES = (
    "Went through the job search of the last months and the next steps.",
    "Client is looking for warehouse work; updated the CV together.",
    "Discussed training options; the client prefers a short course.",
    "Client has had health problems; agreed on a work-ability assessment.",
    "Applications sent as agreed; two interviews with employers coming.",
)
ACTION_TEXTS = {
    ActionKind.COACHING: "Job-search coaching with the partner provider",
    ActionKind.TRAINING: "Forklift and warehouse logistics course",
    ActionKind.WORK_TRIAL: "Work trial at a local retailer",
    ActionKind.WAGE_SUBSIDY: "Look for an employer for subsidised work",
    ActionKind.STUDY: "Apply for vocational studies",
    ActionKind.ASSESSMENT: "Work-ability assessment at occupational health",
    ActionKind.SOCIAL: "Meeting with the municipal social worker",
    ActionKind.GUIDANCE: "Career guidance sessions",
}
