"""The seeded graph's vocabulary: the fixed clock, countries, names, titles, products, texts."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

#: The fixed "now" of generated history: never the wall clock, so a seed means one graph.
TODAY = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SIGNUPS_FROM = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)
ORDER_HISTORY_DAYS = 730

# --- Reference tables -------------------------------------------------------------------------

LOCALES: tuple[tuple[str, str, int], ...] = (  # (Faker locale, ISO country, weight)
    ("sk_SK", "SK", 30),
    ("cs_CZ", "CZ", 25),
    ("pl_PL", "PL", 20),
    ("de_DE", "DE", 9),
    ("en_GB", "GB", 7),
    ("pt_PT", "PT", 5),
    ("zh_CN", "CN", 4),
)
LOCALE_CUM = list(itertools.accumulate(w for _, _, w in LOCALES))

CURRENCY = {
    "SK": "EUR",
    "CZ": "CZK",
    "PL": "PLN",
    "DE": "EUR",
    "GB": "GBP",
    "PT": "EUR",
    "CN": "CNY",
}
#: Rough units of local currency per EUR, for revenues quoted in the company's currency.
FX = {"EUR": 1.0, "CZK": 25.0, "PLN": 4.3, "GBP": 0.85, "CNY": 7.8}
LEGAL_FORMS = {
    "SK": (("s.r.o.", 80), ("a.s.", 20)),
    "CZ": (("s.r.o.", 80), ("a.s.", 20)),
    "PL": (("Sp. z o.o.", 85), ("S.A.", 15)),
    "DE": (("GmbH", 85), ("AG", 15)),
    "GB": (("Ltd", 90), ("PLC", 10)),
    "PT": (("Lda.", 85), ("S.A.", 15)),
    "CN": (("Ltd", 100),),
}
TLD = {"SK": "sk", "CZ": "cz", "PL": "pl", "DE": "de", "GB": "co.uk", "PT": "pt", "CN": "cn"}
FREEMAIL = {
    "SK": ("gmail.com", "azet.sk", "centrum.sk", "post.sk"),
    "CZ": ("gmail.com", "seznam.cz", "email.cz", "centrum.cz"),
    "PL": ("gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de"),
    "GB": ("gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com"),
    "PT": ("gmail.com", "sapo.pt", "outlook.pt"),
    "CN": ("qq.com", "163.com", "126.com", "gmail.com"),
}
INDUSTRIES = (
    "Manufacturing",
    "Retail",
    "Wholesale",
    "Logistics",
    "Software",
    "IT Services",
    "Construction",
    "Healthcare",
    "Pharmaceuticals",
    "Automotive",
    "Energy",
    "Financial Services",
    "Insurance",
    "Hospitality",
    "Education",
    "Agriculture",
    "Food & Beverage",
    "Telecommunications",
    "Media",
    "Real Estate",
)
NAME_WORDS = (
    "Tatra",
    "Danube",
    "Vistula",
    "Nova",
    "Alpha",
    "Polar",
    "Granit",
    "Orbit",
    "Vertex",
    "Carpathia",
    "Baltic",
    "Atlas",
    "Iskra",
    "Lumen",
    "Meridian",
    "Sigma",
    "Helios",
    "Morava",
    "Silesia",
    "Quantum",
)
NAME_TAILS = (
    "Systems",
    "Logistics",
    "Trade",
    "Solutions",
    "Technologies",
    "Industries",
    "Services",
    "Group",
    "Partners",
    "Works",
    "Digital",
    "Holding",
    "Consulting",
    "Foods",
    "Energy",
)
DEPARTMENTS = (
    "Executive",
    "Sales",
    "Marketing",
    "Finance",
    "Operations",
    "IT",
    "Procurement",
    "Human Resources",
    "Legal",
    "Engineering",
    "Customer Service",
)
SENIORITY_RANK = {"OWNER": 0, "C_LEVEL": 1, "VP": 2, "DIRECTOR": 3, "MANAGER": 4, "SENIOR": 5}
RANKED = ("OWNER", "C_LEVEL", "VP", "DIRECTOR", "MANAGER", "SENIOR", "STAFF")
C_TITLES = {
    "Executive": "Chief Executive Officer",
    "Finance": "Chief Financial Officer",
    "Operations": "Chief Operating Officer",
    "IT": "Chief Technology Officer",
    "Sales": "Chief Revenue Officer",
    "Marketing": "Chief Marketing Officer",
    "Human Resources": "Chief People Officer",
    "Legal": "General Counsel",
    "Procurement": "Chief Procurement Officer",
    "Engineering": "Chief Technology Officer",
    "Customer Service": "Chief Customer Officer",
}
TITLE_PATTERNS = {
    "VP": "VP of {d}",
    "DIRECTOR": "{d} Director",
    "MANAGER": "{d} Manager",
    "SENIOR": "Senior {d} Specialist",
    "STAFF": "{d} Specialist",
}
DECISION_ROLES_OF = {  # seniority -> weighted decision roles (None: no role recorded)
    "OWNER": (("DECISION_MAKER", 85), ("ECONOMIC_BUYER", 15)),
    "C_LEVEL": (("DECISION_MAKER", 40), ("ECONOMIC_BUYER", 35), ("INFLUENCER", 15), (None, 10)),
    "VP": (("ECONOMIC_BUYER", 20), ("INFLUENCER", 35), ("CHAMPION", 20), (None, 25)),
    "DIRECTOR": (("INFLUENCER", 30), ("CHAMPION", 25), ("DECISION_MAKER", 5), (None, 40)),
    "MANAGER": (("CHAMPION", 20), ("INFLUENCER", 20), ("USER", 20), (None, 40)),
    "SENIOR": (("USER", 35), ("CHAMPION", 10), ("GATEKEEPER", 5), (None, 50)),
    "STAFF": (("USER", 30), ("GATEKEEPER", 15), (None, 55)),
}
CATEGORIES: tuple[tuple[str, str, tuple[str, ...], int, int], ...] = (
    # (name, sku prefix, nouns, min price EUR, max price EUR)
    ("Office Supplies", "OFF", ("Notebook", "Pen Set", "Stapler", "Folder", "Binder"), 2, 40),
    ("Furniture", "FUR", ("Desk", "Office Chair", "Cabinet", "Shelf", "Meeting Table"), 80, 1400),
    ("Electronics", "ELE", ("Laptop", "Monitor", "Docking Station", "Headset", "Webcam"), 30, 2200),
    ("Software Licenses", "SWL", ("CRM Seat", "Office Suite", "Antivirus", "Design Suite"), 5, 900),
    ("Cloud Services", "CLD", ("Storage Plan", "Compute Credits", "Backup Plan", "CDN"), 10, 3000),
    ("Networking", "NET", ("Router", "Switch", "Access Point", "Firewall", "Patch Cable"), 5, 2500),
    ("Printing", "PRN", ("Laser Printer", "Toner", "Paper Ream", "Label Printer"), 4, 900),
    ("Cleaning", "CLN", ("Detergent", "Wipes", "Mop Kit", "Hand Soap", "Trash Bags"), 2, 60),
    ("Coffee & Catering", "CAF", ("Coffee Beans", "Tea Box", "Water Cooler", "Mugs"), 3, 400),
    ("Safety Equipment", "SAF", ("Hard Hat", "Safety Vest", "First Aid Kit", "Gloves"), 4, 250),
    ("Tools", "TLS", ("Drill", "Screwdriver Set", "Ladder", "Toolbox", "Multimeter"), 8, 600),
    ("Packaging", "PKG", ("Cardboard Box", "Bubble Wrap", "Tape Roll", "Pallet Wrap"), 1, 120),
    ("Training", "TRN", ("Workshop", "Online Course", "Certification", "Coaching Hour"), 50, 2500),
    ("Support Plans", "SUP", ("Basic Support", "Premium Support", "On-site Visit"), 40, 5000),
    ("Lighting", "LGT", ("LED Panel", "Desk Lamp", "Floodlight", "Smart Bulb"), 6, 300),
)
ADJECTIVES = ("Pro", "Eco", "Compact", "Premium", "Smart", "Classic", "Ultra", "Essential", "Max")
TAGS = (
    "VIP",
    "Key Account",
    "Newsletter",
    "Trade Fair 2026",
    "Webinar Attendee",
    "Partner",
    "Reseller",
    "Public Sector",
    "Startup",
    "Enterprise",
    "SMB",
    "Payment Issues",
    "Upsell Opportunity",
    "Renewal Q1",
    "Beta Tester",
    "Do Not Call",
    "Case Study",
    "Event Speaker",
    "Churn Watch",
    "Referral Program",
)
LEAD_SOURCES = (
    ("Website", 30),
    ("Trade Fair", 10),
    ("Cold Call", 8),
    ("Partner", 8),
    ("Advertising", 12),
    ("Social Media", 12),
    ("Webinar", 6),
    ("Newsletter", 6),
)
REFERRAL_CHANNELS = ("WORD_OF_MOUTH", "EMAIL", "SOCIAL", "EVENT", "PARTNER_PROGRAM")
CONSENT_PURPOSES = ("marketing", "newsletter", "service", "surveys", "partner offers")
CONSENT_SOURCES = ("web form", "phone call", "paper form", "trade fair", "import", "mobile app")
INTERACTION_WEIGHTS = (18, 22, 8, 10, 10, 14, 9, 3, 6)  # aligned with INTERACTION_KINDS
SUBJECTS = {
    "CALL": ("Follow-up call", "Quarterly check-in", "Pricing question", "Renewal discussion"),
    "EMAIL": ("Quote sent", "Invoice question", "Product information", "Meeting follow-up"),
    "MEETING": ("On-site visit", "Contract negotiation", "Business review", "Kick-off meeting"),
    "VIDEO_CALL": ("Product demo", "Onboarding session", "Roadmap review", "Technical workshop"),
    "CHAT": ("Delivery status", "Order change", "Stock availability", "Quick question"),
    "WEBSITE_VISIT": ("Pricing page", "Product catalogue", "Case studies", "Support centre"),
    "SUPPORT_TICKET": ("Damaged delivery", "Login problem", "Wrong item", "Installation help"),
    "COMPLAINT": ("Late delivery", "Billing error", "Poor quality", "Unanswered request"),
    "SURVEY": ("NPS survey", "Satisfaction survey", "Product feedback", "Onboarding survey"),
}
OUTCOMES = {
    "CALL": ("Callback scheduled", "Quote requested", "No answer", "Agreed next steps"),
    "EMAIL": ("Replied", "No reply", "Forwarded to colleague", "Quote accepted"),
    "MEETING": ("Proposal requested", "Deal advanced", "Needs internal approval", "Signed"),
    "VIDEO_CALL": ("Trial started", "Follow-up booked", "Not a fit", "Demo well received"),
    "CHAT": ("Resolved", "Escalated", "Order updated", "Information provided"),
    "WEBSITE_VISIT": ("Browsed", "Downloaded brochure", "Requested contact", "Started checkout"),
    "SUPPORT_TICKET": ("Resolved", "Replacement shipped", "Escalated to engineering", "Closed"),
    "COMPLAINT": ("Refund issued", "Apology sent", "Discount offered", "Under investigation"),
    "SURVEY": ("Promoter", "Passive", "Detractor", "Completed"),
}
SENTIMENT = {  # (mean, spread)
    "COMPLAINT": (-0.6, 0.3),
    "SUPPORT_TICKET": (-0.2, 0.4),
    "SURVEY": (0.3, 0.5),
    "MEETING": (0.35, 0.3),
    "VIDEO_CALL": (0.3, 0.3),
}
REMARKS = (
    "Friendly tone.",
    "Asked for a written offer.",
    "Budget is tight.",
    "Wants a faster delivery.",
    "Mentioned a competitor.",
    "Happy with the last order.",
)
CHILD_AGES = range(1, 19)
PETS = (
    "a dog",
    "a cat",
    "a parrot",
    "two cats",
    "a rabbit",
    "a tortoise",
    "an aquarium",
    "a horse",
)
PET_NAMES = ("Rex", "Micka", "Bobík", "Luna", "Max", "Bella", "Čert", "Kiki", "Oskar", "Fifi")
HOBBIES = (
    "cycling",
    "hiking in the Tatras",
    "chess",
    "jazz",
    "ice hockey",
    "marathon running",
    "wine tasting",
    "photography",
    "sailing",
    "gardening",
    "skiing",
    "football",
    "cooking",
    "fly fishing",
    "classical music",
    "tennis",
    "bouldering",
    "reading crime novels",
)
