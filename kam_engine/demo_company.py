"""A demo company: a seeded, believable Spanish industrial distributor written as CSV files.

*Suministros Industriales Ibéricos* sells bearings, power transmission, pneumatics,
hydraulics, tools, PPE, lubricants and industrial electrics to Spanish (and some
Portuguese and French) manufacturers, contractors and public bodies. The files use
OpenKAM's canonical column names, so the importer reads them with its default mapping:
UTF-8, comma-delimited, a header row, ISO dates, '.' decimals, money with two decimals.

Everything is drawn from one seeded generator, so the same seed and size give
byte-identical files. The big files are built column-wise with NumPy and written with
Arrow; nothing here loops over invoice lines in Python.

Examples
--------
>>> SIZES["small"]
DemoSize(customers=150, invoice_lines=50000, kams=4)
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["SIZES", "DemoFiles", "DemoSize", "write_demo_company"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DemoSize:
    """How big the demo company is.

    Parameters
    ----------
    customers : int
        Rows of ``accounts.csv`` (customers, a few former customers and prospects).
    invoice_lines : int
        Target number of invoice lines over the three years; the result is close, not exact.
    kams : int
        Number of key account managers.
    """

    customers: int
    invoice_lines: int
    kams: int


SIZES: dict[str, DemoSize] = {
    "small": DemoSize(customers=150, invoice_lines=50_000, kams=4),
    "medium": DemoSize(customers=1_500, invoice_lines=500_000, kams=8),
    "large": DemoSize(customers=15_000, invoice_lines=5_000_000, kams=30),
}
"""The sizes :func:`write_demo_company` accepts; "medium" is the default."""

_PRODUCT_COUNTS = {"small": 120, "medium": 400, "large": 400}


@dataclass(frozen=True)
class DemoFiles:
    """The files written by :func:`write_demo_company`.

    Parameters
    ----------
    folder : Path
        The folder holding every file.
    users, accounts, contacts, products, invoices, activities, deliveries, team, cases : Path
        One CSV file per kind; ``team`` lists the account teams (imported as kind ``team``),
        ``cases`` the service cases of the last months (kind ``cases``, after the team).
    last_day : datetime.date
        The last day with invoices: the natural as-of date for an analysis of the demo.
    """

    folder: Path
    users: Path
    accounts: Path
    contacts: Path
    products: Path
    invoices: Path
    activities: Path
    deliveries: Path
    team: Path
    cases: Path
    last_day: dt.date = dt.date(2026, 10, 31)

    def imports(self) -> list[tuple[str, Path]]:
        """Return (import kind, file) pairs in an order that satisfies every reference.

        Returns
        -------
        list of tuple of (str, Path)
            Users first (owners refer to them), then accounts, products, contacts and the facts.
        """
        return [
            ("users", self.users),
            ("accounts", self.accounts),
            ("products", self.products),
            ("contacts", self.contacts),
            ("invoices", self.invoices),
            ("activities", self.activities),
            ("deliveries", self.deliveries),
        ]


# --------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------

_DOMAIN = "suministros-ibericos.example"

_MALE_ES = (
    "Antonio", "José", "Manuel", "Francisco", "David", "Juan", "Javier", "Daniel", "Carlos", "Jesús",
    "Alejandro", "Miguel", "Rafael", "Pablo", "Sergio", "Fernando", "Jorge", "Alberto", "Luis", "Álvaro",
    "Adrián", "Diego", "Raúl", "Iván", "Rubén", "Óscar", "Andrés", "Enrique", "Ramón", "Víctor",
    "Ignacio", "Jaime", "Marcos", "Íñigo", "Xabier", "Jordi", "Pau", "Aitor", "Gonzalo", "José Luis",
    "Juan Carlos", "Miguel Ángel",
)  # fmt: skip
_FEMALE_ES = (
    "María", "Carmen", "Ana", "Isabel", "Laura", "Cristina", "Marta", "Lucía", "Elena", "Sara",
    "Paula", "Pilar", "Raquel", "Rocío", "Beatriz", "Nuria", "Silvia", "Patricia", "Irene", "Alba",
    "Montserrat", "Mercedes", "Rosa", "Teresa", "Inmaculada", "Eva", "Sonia", "Andrea", "Julia", "Ainhoa",
    "Noelia", "Natalia", "Lorena", "Amaia", "Marina", "Claudia", "Begoña", "María José", "Ana Belén",
)  # fmt: skip
_SURNAMES_ES = (
    "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
    "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
    "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina",
    "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez",
    "Iglesias", "Medina", "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
    "Méndez", "Cruz", "Calvo", "Gallego", "Vidal", "León", "Márquez", "Herrera", "Peña", "Flores",
    "Cabrera", "Campos", "Vega", "Fuentes", "Carrasco", "Diez", "Caballero", "Reyes", "Nieto", "Aguilar",
    "Pascual", "Santana", "Herrero", "Lorenzo", "Montero", "Hidalgo", "Giménez", "Ibáñez", "Ferrer", "Durán",
    "Santiago", "Benítez", "Mora", "Vicente", "Vargas", "Arias", "Carmona", "Crespo", "Román", "Pastor",
    "Soto", "Sáez", "Velasco", "Moya", "Soler", "Parra", "Esteban", "Bravo", "Gallardo", "Rojas",
    "Echeverría", "Aguirre", "Zubizarreta", "Puig", "Roca",
)  # fmt: skip
_MALE_PT = ("João", "Pedro", "Rui", "Nuno", "Tiago", "Ricardo", "Miguel", "Paulo", "Luís", "Bruno")
_FEMALE_PT = ("Ana", "Inês", "Catarina", "Sofia", "Mariana", "Joana", "Beatriz", "Rita", "Helena", "Marta")
_SURNAMES_PT = (
    "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa", "Fernandes",
    "Gonçalves", "Gomes", "Lopes", "Marques", "Almeida", "Ribeiro", "Carvalho", "Teixeira",
)  # fmt: skip
_MALE_FR = ("Jean", "Pierre", "Nicolas", "Julien", "Thomas", "Laurent", "Philippe", "Olivier", "Éric", "Antoine")
_FEMALE_FR = ("Marie", "Sophie", "Isabelle", "Nathalie", "Camille", "Claire", "Élodie", "Céline", "Aurélie", "Julie")
_SURNAMES_FR = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Roux", "Fournier", "Girard", "Bonnet",
)  # fmt: skip
# (male first names, female first names, surnames, surnames per person) by country index
_PEOPLE = (
    (_MALE_ES, _FEMALE_ES, _SURNAMES_ES, 2),
    (_MALE_PT, _FEMALE_PT, _SURNAMES_PT, 2),
    (_MALE_FR, _FEMALE_FR, _SURNAMES_FR, 1),
)

_INDUSTRIES = (
    "automoción", "alimentación", "construcción", "química", "energía", "farmacéutica", "maquinaria", "logística",
)  # fmt: skip
_INDUSTRY_SHARES = (0.15, 0.14, 0.12, 0.10, 0.08, 0.06, 0.22, 0.13)
_INDUSTRY_WORDS = (
    ("Componentes", "Estampaciones", "Autopiezas", "Mecanizados", "Forjas", "Recambios", "Troqueles", "Inyectados"),
    ("Conservas", "Cárnicas", "Lácteos", "Panificadora", "Bodegas", "Aceites", "Harinera", "Congelados"),
    ("Construcciones", "Hormigones", "Áridos", "Prefabricados", "Cerámicas", "Obras", "Excavaciones", "Asfaltos"),
    ("Química", "Plásticos", "Pinturas", "Resinas", "Detergentes", "Polímeros", "Adhesivos", "Gases"),
    ("Energías", "Eólica", "Solar", "Hidroeléctrica", "Biomasa", "Cogeneración", "Renovables", "Fotovoltaica"),
    ("Laboratorios", "Farma", "Biotecnología", "Galénica", "Cosmética", "Veterinaria"),
    ("Talleres", "Maquinaria", "Metalúrgica", "Calderería", "Fundiciones", "Automatismos", "Aceros", "Estructuras"),
    ("Transportes", "Logística", "Almacenes", "Distribuciones", "Grúas", "Frigoríficos", "Paquetería"),
)
_PLACES = (
    "Ebro", "Duero", "Tajo", "Segura", "Miño", "Nervión", "Bidasoa", "Moncayo", "Gredos", "Montseny",
    "Aneto", "Teide", "Guadarrama", "Cierzo", "Tramontana", "Levante", "Poniente", "Alborán", "Finisterre",
    "Mediterráneo", "Cantábrico", "Atlántico", "Pirineo", "Sierra Morena", "Guadalquivir", "Júcar", "Turia",
    "Genil", "Sil", "Jarama", "Urbión", "Somosierra", "Albufera", "Bierzo", "Penedès", "Maresme", "Ampurdán",
    "La Mancha", "Aljarafe", "Axarquía", "Bages", "Goierri", "Urola", "Llobregat", "Órbigo", "Cinca",
    "Segre", "Aragón", "Henares", "Alberche", "Tiétar", "Odiel", "Tinto", "Guadiana", "Navia", "Eo",
    "Deva", "Besaya", "Pas", "Oria",
)  # fmt: skip
_CITIES = (
    "Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga", "Murcia", "Palma", "Bilbao", "Alicante",
    "Córdoba", "Valladolid", "Vigo", "Gijón", "Vitoria", "A Coruña", "Granada", "Elche", "Oviedo", "Badalona",
    "Cartagena", "Terrassa", "Jerez", "Sabadell", "Móstoles", "Pamplona", "Almería", "Alcalá de Henares",
    "Fuenlabrada", "Leganés", "San Sebastián", "Getafe", "Burgos", "Albacete", "Santander", "Castellón",
    "Logroño", "Badajoz", "Salamanca", "Huelva", "Marbella", "Lleida", "Tarragona", "León", "Cádiz", "Jaén",
    "Ourense", "Girona", "Lugo", "Cáceres", "Guadalajara", "Toledo", "Pontevedra", "Palencia", "Ciudad Real",
    "Zamora", "Ávila", "Cuenca", "Huesca", "Segovia", "Soria", "Teruel", "Alcoy", "Elda", "Gandía", "Sagunto",
    "Manresa", "Vic", "Igualada", "Reus", "Mataró", "Granollers", "Rubí", "Figueres", "Olot", "Tortosa", "Calatayud",
    "Monzón", "Barbastro", "Alcañiz", "Tudela", "Estella", "Irún", "Eibar", "Durango", "Getxo", "Barakaldo",
    "Torrelavega", "Avilés", "Mieres", "Langreo", "Ferrol", "Santiago de Compostela", "Monforte de Lemos",
    "Ponferrada", "Astorga", "Benavente", "Aranda de Duero", "Miranda de Ebro", "Medina del Campo",
    "Talavera de la Reina", "Puertollano", "Tomelloso", "Alcázar de San Juan", "Villarrobledo", "Hellín", "Almansa",
    "Lorca", "Yecla", "Molina de Segura", "Orihuela", "Torrevieja", "Benidorm", "Dénia", "Xàtiva", "Ontinyent",
    "Vila-real", "Vinaròs", "Linares", "Úbeda", "Andújar", "Lucena", "Écija", "Utrera", "Dos Hermanas", "Antequera",
    "Ronda", "Motril", "Baza", "El Ejido", "Algeciras", "Sanlúcar de Barrameda", "Mérida", "Plasencia", "Don Benito",
    "Zafra", "Manacor", "Ibiza", "Arrecife", "Telde", "La Laguna",
)  # fmt: skip
# Public bodies: (name prefix, industry index the body buys like)
_PUBLIC_BODIES = (
    ("Ayuntamiento de", 2), ("Diputación de", 2), ("Consorcio de Aguas de", 4), ("Mercado Central de Abastos de", 1),
    ("Hospital Universitario de", 5), ("Mancomunidad de Servicios de", 7), ("Empresa Municipal de Transportes de", 7),
    ("Universidad de", 3), ("Servicio de Limpieza de", 7), ("Parque de Bomberos de", 2),
)  # fmt: skip
_SEGMENTS = ("OEM", "distribuidor", "mantenimiento", "ingeniería", "administración pública")
_SEGMENT_SHARES = (0.28, 0.14, 0.36, 0.17, 0.05)
_PUBLIC_SEGMENT = 4
_COUNTRIES = ("ES", "PT", "FR")
_COUNTRY_SHARES = (0.88, 0.08, 0.04)
_LEGAL_FORMS = ((("S.L.", "S.A.", "S.L.U.", "S. Coop."), (0.6, 0.25, 0.1, 0.05)), (("Lda.", "S.A."), (0.7, 0.3)))
_LEGAL_FORMS_FR = (("SAS", "SARL", "SA"), (0.6, 0.3, 0.1))
# Suffixes of subsidiaries' names, by country.
_SUBSIDIARY_SUFFIXES = (
    ("Norte", "Sur", "Levante", "Centro", "Cataluña", "Galicia", "Andalucía", "Servicios"),
    ("Portugal", "Lisboa", "Porto"),
    ("France", "Sud-Ouest", "Lyon"),
)
_LEGAL_WORDS = frozenset({"s", "l", "a", "u", "coop", "lda", "sas", "sarl", "sa"})  # left out of e-mail domains
_ACCOUNT_SIZES = ("micro", "small", "medium", "large", "enterprise")
_ACCOUNT_SIZE_QUANTILES = (0.25, 0.55, 0.80, 0.94)

_CUSTOMER, _FORMER, _PROSPECT = 0, 1, 2
_STATUSES = ("customer", "former", "prospect")
_RELATIONSHIP_STAGES = ("exploratory", "basic", "cooperative", "interdependent", "integrated")


@dataclass(frozen=True)
class _ProductLine:
    code: str
    name: str
    margin: float  # target gross margin on net revenue at a typical discount
    median_price: float
    price_sigma: float
    pack: float  # typical units per line for a small customer at the median price
    share: float  # share of the catalogue
    items: tuple[tuple[str, str], ...]  # (item, model prefix); a two-digit size follows the prefix
    suffixes: tuple[str, ...]


_PRODUCT_LINES = (
    _ProductLine(
        "ROD", "Rodamientos", 0.30, 28.0, 0.9, 3.0, 0.18,
        (("Rodamiento rígido de bolas", "62"), ("Rodamiento rígido de bolas", "63"),
         ("Rodamiento de rodillos cónicos", "302"), ("Rodamiento de rodillos cilíndricos", "NU2"),
         ("Rodamiento de agujas", "NA49"), ("Rodamiento axial de bolas", "511"),
         ("Soporte de pie con rodamiento", "UCP2"), ("Rodamiento oscilante de rodillos", "222")),
        ("", "-2RS", "-ZZ", " C3", "-2RS C3"),
    ),
    _ProductLine(
        "TRA", "Transmisión de potencia", 0.28, 65.0, 1.0, 2.0, 0.12,
        (("Correa trapecial", "SPA"), ("Correa trapecial", "SPZ"), ("Correa dentada", "HTD"),
         ("Cadena de rodillos", "08B-"), ("Piñón para cadena", "12B-"), ("Polea", "SPB"),
         ("Reductor de velocidad", "RV"), ("Acoplamiento elástico", "GR")),
        ("", " simple", " doble", " reforzada"),
    ),
    _ProductLine(
        "NEU", "Neumática", 0.34, 42.0, 0.9, 2.5, 0.14,
        (("Cilindro neumático", "DSBC-"), ("Electroválvula 5/2", "VUVG-"), ("Racor rápido", "QS-"),
         ("Unidad de mantenimiento FRL", "MS4-"), ("Tubo de poliuretano", "PUN-"), ("Regulador de presión", "LR-"),
         ("Silenciador", "U-")),
        ("", " G1/4", " G1/8", " M5"),
    ),
    _ProductLine(
        "HID", "Hidráulica", 0.24, 85.0, 1.0, 1.5, 0.10,
        (("Bomba de engranajes", "PGP"), ("Latiguillo hidráulico", "2SN-"), ("Válvula distribuidora", "DG4V-"),
         ("Cilindro hidráulico", "CDT-"), ("Filtro de retorno", "RF"), ("Enchufe rápido", "ISO-A"),
         ("Manómetro con glicerina", "MG")),
        ("", " DN10", " DN16", " 250 bar"),
    ),
    _ProductLine(
        "HER", "Herramientas", 0.38, 35.0, 1.1, 2.0, 0.14,
        (("Llave dinamométrica", "TQ"), ("Juego de llaves combinadas", "LC"), ("Taladro percutor", "TP"),
         ("Amoladora angular", "AG"), ("Broca HSS", "Ø"), ("Disco de corte", "DC"), ("Carro de herramientas", "CH"),
         ("Juego de destornilladores", "JD")),
        ("", " profesional", " inox", " 18V"),
    ),
    _ProductLine(
        "EPI", "Equipos de protección individual", 0.45, 9.0, 0.9, 12.0, 0.12,
        (("Guantes de nitrilo", "GN"), ("Gafas de protección", "GP"), ("Casco de seguridad", "CS"),
         ("Botas de seguridad S3", "BS"), ("Tapones auditivos", "TA"), ("Mascarilla FFP2", "FFP"),
         ("Chaleco reflectante", "CR"), ("Arnés anticaídas", "AR")),
        ("", " talla M", " talla L", " talla XL"),
    ),
    _ProductLine(
        "LUB", "Lubricantes", 0.17, 32.0, 0.8, 3.0, 0.08,
        (("Grasa de litio", "GL"), ("Aceite hidráulico ISO VG 46", "HV"), ("Aceite de engranajes", "EP"),
         ("Aceite de corte soluble", "CS"), ("Spray lubricante", "SL"), ("Grasa alimentaria H1", "H1-"),
         ("Aceite de compresor", "CP")),
        (" 400 ml", " 1 kg", " 5 L", " 20 L", " 208 L"),
    ),
    _ProductLine(
        "ELE", "Electricidad industrial", 0.20, 48.0, 1.0, 2.0, 0.12,
        (("Contactor", "LC1D"), ("Guardamotor", "GV2ME"), ("Relé térmico", "LRD"), ("Variador de frecuencia", "ATV"),
         ("Cable apantallado", "RVK"), ("Detector inductivo", "XS"), ("Pulsador de emergencia", "XB5"),
         ("Interruptor automático", "IC60N-")),
        ("", " 24V", " 230V", " 400V"),
    ),
)  # fmt: skip
# How often each industry (rows) buys each product line (columns, in _PRODUCT_LINES order).
_AFFINITY = np.array(
    [
        [0.20, 0.10, 0.20, 0.08, 0.12, 0.12, 0.08, 0.10],
        [0.15, 0.15, 0.12, 0.04, 0.08, 0.20, 0.14, 0.12],
        [0.06, 0.06, 0.04, 0.22, 0.25, 0.25, 0.08, 0.04],
        [0.12, 0.10, 0.12, 0.10, 0.08, 0.26, 0.10, 0.12],
        [0.14, 0.12, 0.06, 0.10, 0.12, 0.14, 0.10, 0.22],
        [0.10, 0.08, 0.20, 0.04, 0.06, 0.28, 0.08, 0.16],
        [0.22, 0.18, 0.12, 0.14, 0.12, 0.06, 0.06, 0.10],
        [0.14, 0.14, 0.06, 0.12, 0.12, 0.18, 0.14, 0.10],
    ]
)
# Discount (off list price) of a typical revenue-weighted customer; line margins are set against it.
_TYPICAL_DISCOUNT = 0.20

# The customer's organisation chart: (male title, female title, department, index of the boss, buying roles,
# base influence). Bosses come first, so a contact's boss is always an earlier contact.
_ORG_CHART: tuple[tuple[str, str, str, int, tuple[str, ...], int], ...] = (
    ("Director General", "Directora General", "Dirección", -1, ("decision_maker", "economic_buyer"), 5),
    ("Director de Compras", "Directora de Compras", "Compras", 0, ("economic_buyer", "decision_maker"), 4),
    ("Director de Operaciones", "Directora de Operaciones", "Operaciones", 0, ("decision_maker", "influencer"), 4),
    ("Director Financiero", "Directora Financiera", "Finanzas", 0, ("economic_buyer", "influencer"), 4),
    ("Jefe de Mantenimiento", "Jefa de Mantenimiento", "Mantenimiento", 2, ("user_buyer", "technical_buyer"), 3),
    ("Jefe de Producción", "Jefa de Producción", "Producción", 2, ("user_buyer", "influencer"), 3),
    ("Comprador", "Compradora", "Compras", 1, ("gatekeeper", "influencer"), 2),
    ("Responsable de Calidad", "Responsable de Calidad", "Calidad", 2, ("technical_buyer", "influencer"), 3),
    ("Técnico de Mantenimiento", "Técnica de Mantenimiento", "Mantenimiento", 4, ("user_buyer", "coach"), 2),
    ("Jefe de Almacén", "Jefa de Almacén", "Logística", 2, ("user_buyer", "gatekeeper"), 2),
    ("Ingeniero de Procesos", "Ingeniera de Procesos", "Ingeniería", 2, ("technical_buyer", "coach"), 3),
    ("Técnico de Prevención", "Técnica de Prevención", "Prevención de Riesgos", 2, ("technical_buyer",), 2),
    ("Asistente de Compras", "Asistente de Compras", "Compras", 1, ("gatekeeper",), 1),
)
# Which chart positions a KAM gets to know (beyond the general manager) and which ones a small account's
# only contacts tend to be.
_OWNED_CHART_WEIGHTS = np.array([0, 10, 7, 5, 8, 5, 8, 4, 4, 3, 4, 3, 2], dtype=np.float64)
_OTHER_CHART_WEIGHTS = np.array([4, 3, 1, 1, 3, 1, 6, 0.5, 1, 1, 0.5, 0.5, 1], dtype=np.float64)
_ATTITUDES = ("champion", "supporter", "neutral", "critic", "opponent")
_ATTITUDE_SHARES = (0.10, 0.30, 0.40, 0.15, 0.05)
_LEVELS = ("none", "brief", "regular", "in_depth")

# Team members cycle through these departments (two per KAM). Production and marketing people are users but have
# no account-team role, so only the other departments appear in team.csv.
_TEAM_DEPARTMENTS = (
    "customer_service", "logistics", "technical", "finance", "customer_service", "logistics", "production", "marketing",
)  # fmt: skip
_USERNAME_PREFIX = {
    "customer_service": "cs", "logistics": "log", "technical": "tec", "finance": "fin", "production": "prod",
    "marketing": "mkt",
}  # fmt: skip
_TEAM_ROLE = {"customer_service": "service", "logistics": "logistics", "technical": "technical", "finance": "finance"}

# Activity codes, in the order activities of one account on one day are listed.
_ACTIVITIES = (
    "order", "order_line", "delivery", "rush_order", "return", "special_packaging", "visit", "support_ticket",
)  # fmt: skip

_HEADERS = {
    "users": ("username", "first_name", "last_name", "email", "role", "department"),
    "accounts": (
        "code", "name", "parent", "industry", "segment", "country", "size", "status", "owner", "estimated_wallet",
        "relationship_stage", "is_key_account", "key_account_since", "tier", "phase",
    ),
    "contacts": (
        "account", "code", "first_name", "last_name", "title", "department", "email", "phone", "reports_to",
        "buying_role", "influence", "attitude", "relationship_owner", "relationship_level", "last_contact_at",
    ),
    "products": ("code", "name", "product_line", "product_line_name", "list_price", "unit_cost"),
    "invoices": (
        "invoice", "line", "account", "product", "product_line", "date", "quantity", "net_revenue", "list_revenue",
        "cost", "order_ref", "sales_rep",
    ),
    "activities": ("account", "date", "activity", "reference", "quantity", "cost"),
    "deliveries": (
        "delivery", "account", "order_ref", "promised_date", "delivered_date", "in_full", "quantity_ordered",
        "quantity_delivered",
    ),
    "team": ("account", "username", "role", "department"),
    "cases": (
        "account", "code", "type", "subject", "opened_at", "first_response_at", "resolved_at", "priority", "owner",
        "department", "contact", "reference",
    ),
}  # fmt: skip

_DEFAULT_TODAY = dt.date(2026, 11, 1)
_EPOCH = dt.date(1970, 1, 1)
_HOLIDAYS = ((1, 1), (1, 6), (5, 1), (8, 15), (10, 12), (11, 1), (12, 6), (12, 8), (12, 25))
_SEASON = (0.95, 1.0, 1.08, 0.98, 1.05, 1.05, 0.92, 0.45, 1.05, 1.08, 1.04, 0.82)  # August is the holiday month
_GROWTH_PER_YEAR = 0.05
_MARGIN_DAYS = 90  # calendar days kept after the history for promised and delivered dates
_TOP_SHARE_TARGET = 0.80
_LINE_COUNT_ELASTICITY = 0.65  # bigger customers buy more lines and bigger quantities; this splits the two


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def write_demo_company(
    folder: Path, *, size: str = "medium", seed: int = 42, today: dt.date | None = None
) -> DemoFiles:
    """Write the demo company's CSV files into ``folder``.

    Parameters
    ----------
    folder : Path
        Where to write; created if missing. Existing files of the same names are replaced.
    size : str, default "medium"
        One of the keys of :data:`SIZES`.
    seed : int, default 42
        Seed of the random generator; the same seed and size give byte-identical files.
    today : datetime.date, optional
        The day the data is "as of" (default 2026-11-01). The history covers the three years
        ending with the month before ``today``; open deliveries and recent contacts are counted
        back from the end of that month.

    Returns
    -------
    DemoFiles
        The paths of the written files.

    Raises
    ------
    ValueError
        If ``size`` is not one of :data:`SIZES`.
    """
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}; choose one of: {', '.join(SIZES)}")
    spec = SIZES[size]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # One independent stream per part, so that changing how one part is drawn leaves the others alone.
    streams = np.random.default_rng(seed).spawn(9)
    calendar = _Calendar.build(today or _DEFAULT_TODAY)
    users = _make_users(streams[0], spec.kams)
    products = _make_products(streams[1], _PRODUCT_COUNTS[size])
    accounts = _make_accounts(streams[2], spec.customers, calendar)
    plan = _plan_demand(accounts, products, spec.invoice_lines, calendar)
    sales = _make_sales(streams[3], accounts, products, plan, calendar)
    owners = _assign_owners(streams[4], accounts, sales, users)

    files = DemoFiles(
        folder=folder,
        users=folder / "users.csv",
        accounts=folder / "accounts.csv",
        contacts=folder / "contacts.csv",
        products=folder / "products.csv",
        invoices=folder / "invoices.csv",
        activities=folder / "activities.csv",
        deliveries=folder / "deliveries.csv",
        team=folder / "team.csv",
        cases=folder / "cases.csv",
        last_day=(today or _DEFAULT_TODAY).replace(day=1) - dt.timedelta(days=1),
    )
    _write_csv(files.users, users.table)
    _write_csv(files.products, products.table)
    _write_csv(files.accounts, _accounts_table(streams[5], accounts, sales, owners, plan, users, calendar))
    _write_csv(files.invoices, _invoices_table(accounts, products, sales, owners, users, calendar))
    contacts, team = _contacts_and_team(streams[6], accounts, owners, users, calendar)
    _write_csv(files.contacts, contacts)
    _write_csv(files.team, team)
    deliveries, delivered = _deliveries(streams[7], accounts, sales, calendar)
    _write_csv(files.deliveries, deliveries)
    _write_csv(files.activities, _activities(streams[8], accounts, sales, owners, delivered, calendar))
    # A stream of its own, outside the nine above, so that the other files stay as they were.
    cases_stream = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1006,)))
    _write_csv(files.cases, _cases(cases_stream, accounts, owners, users, calendar, _CASE_COUNTS[size]))
    return files


# --------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    """Days as indices from the first day of the history; day ``days`` is ``today``."""

    start: int  # days since 1970-01-01 of index 0
    days: int
    cumulative: FloatArray  # cumulative weight over the history, length days + 1
    year: IntArray
    next_business: IntArray  # first business day on or after each day

    @classmethod
    def build(cls, today: dt.date) -> _Calendar:
        first_of_month = today.replace(day=1)
        start = dt.date(first_of_month.year - 3, first_of_month.month, 1)
        days = (first_of_month - start).days
        total = days + _MARGIN_DAYS
        start_epoch = (start - _EPOCH).days
        dates = np.arange(start_epoch, start_epoch + total, dtype=np.int64).astype("datetime64[D]")
        month_start = dates.astype("datetime64[M]")
        month = month_start.astype(np.int64) % 12 + 1
        year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        day_of_month = (dates - month_start).astype(np.int64) + 1
        weekday = (np.arange(start_epoch, start_epoch + total, dtype=np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        holiday = np.zeros(total, dtype=np.bool_)
        for holiday_month, holiday_day in _HOLIDAYS:
            holiday |= (month == holiday_month) & (day_of_month == holiday_day)
        business = (weekday < 5) & ~holiday
        season = np.asarray(_SEASON, dtype=np.float64)[month - 1]
        growth = np.exp(_GROWTH_PER_YEAR * np.arange(total, dtype=np.float64) / 365.25)
        weight = np.where(business, season * growth, 0.0)
        cumulative = np.concatenate(([0.0], np.cumsum(weight[:days])))
        positions = np.where(business, np.arange(total, dtype=np.int64), total - 1)
        next_business = np.minimum.accumulate(positions[::-1])[::-1].astype(np.int64)
        return cls(start_epoch, days, cumulative, year.astype(np.int64), next_business)

    def sample(self, low: IntArray, high: IntArray, u: FloatArray) -> IntArray:
        """Business days in [low, high) drawn with the calendar's weights; ``u`` in (0, 1]."""
        target = self.cumulative[low] + u * (self.cumulative[high] - self.cumulative[low])
        day = np.searchsorted(self.cumulative, target, side="left").astype(np.int64) - 1
        return np.clip(day, low, high - 1)

    def dates(self, day: IntArray, missing: BoolArray | None = None) -> pa.Array[Any]:
        epoch_days = (day + self.start).astype(np.int32)
        return pa.array(epoch_days, type=pa.date32(), mask=missing)


# --------------------------------------------------------------------------------------
# Users and products
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Users:
    table: pa.Table
    kams: list[str]
    members: list[tuple[str, str]]  # (username, department) of team members
    pod: IntArray  # the KAM each team member mostly works with


def _make_users(rng: np.random.Generator, kams: int) -> _Users:
    members_count = 2 * kams
    named = 3 + kams + members_count
    if named > len(_SURNAMES_ES):
        raise ValueError(f"too many KAMs for the demo's list of surnames: {kams}")
    surnames = [_SURNAMES_ES[i] for i in rng.permutation(len(_SURNAMES_ES))[:named]]
    rows: list[tuple[str, str, str, str, str]] = []  # username, first, last, role, department

    def person(index: int) -> tuple[str, str]:
        names = _FEMALE_ES if rng.random() < 0.45 else _MALE_ES
        first = names[int(rng.integers(len(names)))]
        return first, f"{surnames[index]} {_SURNAMES_ES[int(rng.integers(len(_SURNAMES_ES)))]}"

    rows.append(("director", *person(0), "director", "management"))
    rows.append(("admin", *person(1), "administrator", "management"))
    kam_names = []
    for i in range(kams):
        username = f"kam.{_ascii(surnames[3 + i])}"
        kam_names.append(username)
        rows.append((username, *person(3 + i), "key_account_manager", "sales"))
    members = []
    for i in range(members_count):
        department = _TEAM_DEPARTMENTS[i % len(_TEAM_DEPARTMENTS)]
        username = f"{_USERNAME_PREFIX[department]}.{_ascii(surnames[3 + kams + i])}"
        members.append((username, department))
        rows.append((username, *person(3 + kams + i), "team_member", department))
    rows.append(("viewer", *person(2), "viewer", "marketing"))
    columns = list(zip(*rows, strict=True))
    table = pa.table(
        {
            "username": columns[0],
            "first_name": columns[1],
            "last_name": columns[2],
            "email": [f"{username}@{_DOMAIN}" for username in columns[0]],
            "role": columns[3],
            "department": columns[4],
        }
    )
    pod = np.arange(members_count, dtype=np.int64) % kams
    return _Users(table, kam_names, members, pod)


@dataclass(frozen=True)
class _Products:
    table: pa.Table
    codes: pa.Array[Any]
    line: IntArray  # product line index of each product; products are grouped by line
    price: IntArray  # list price, cents
    cost: IntArray  # unit cost, cents
    pack: FloatArray  # typical units per line for the smallest customers
    cumulative: FloatArray  # cumulative popularity, length products + 1
    line_start: IntArray  # first product of each line, length lines + 1
    line_value: FloatArray  # expected list value of one line of each product line at unit quantity scale


def _make_products(rng: np.random.Generator, count: int) -> _Products:
    shares = np.array([line.share for line in _PRODUCT_LINES])
    per_line = np.floor(shares / shares.sum() * count).astype(np.int64)
    per_line[: count - int(per_line.sum())] += 1
    codes: list[str] = []
    names: list[str] = []
    line_index: list[int] = []
    prices: list[FloatArray] = []
    costs: list[FloatArray] = []
    packs: list[FloatArray] = []
    used: set[str] = set()
    for index, (line, n) in enumerate(zip(_PRODUCT_LINES, per_line.tolist(), strict=True)):
        for number in range(1, n + 1):
            name = ""
            while not name or name in used:
                item, model = line.items[int(rng.integers(len(line.items)))]
                name = f"{item} {model}{int(rng.integers(1, 40)):02d}{_pick(rng, line.suffixes)}"
            used.add(name)
            names.append(name)
            codes.append(f"{line.code}-{number:04d}")
            line_index.append(index)
        price = np.maximum(0.5, line.median_price * np.exp(line.price_sigma * rng.standard_normal(n)))
        # Margins are set on list price so that, after a typical discount, each line earns its target.
        list_margin = 1.0 - (1.0 - line.margin) * (1.0 - _TYPICAL_DISCOUNT)
        cost = price * (1.0 - list_margin) * np.exp(0.04 * rng.standard_normal(n))
        prices.append(price)
        costs.append(cost)
        packs.append(np.clip(line.pack * np.sqrt(line.median_price / price), 1.0, 60.0))
    price_cents = np.rint(np.concatenate(prices) * 100).astype(np.int64)
    cost_cents = np.minimum(np.rint(np.concatenate(costs) * 100).astype(np.int64), price_cents - 1)
    cost_cents = np.maximum(cost_cents, 1)
    pack = np.concatenate(packs)
    popularity = rng.lognormal(0.0, 1.1, count)
    line_start = np.concatenate(([0], np.cumsum(per_line))).astype(np.int64)
    value = popularity * price_cents * pack
    line_value = np.add.reduceat(value, line_start[:-1]) / np.add.reduceat(popularity, line_start[:-1])
    code_array = pa.array(codes, pa.string())
    table = pa.table(
        {
            "code": code_array,
            "name": pa.array(names, pa.string()),
            "product_line": pa.array([_PRODUCT_LINES[i].code for i in line_index], pa.string()),
            "product_line_name": pa.array([_PRODUCT_LINES[i].name for i in line_index], pa.string()),
            "list_price": _money(price_cents),
            "unit_cost": _money(cost_cents),
        }
    )
    cumulative = np.concatenate(([0.0], np.cumsum(popularity)))
    return _Products(
        table,
        code_array,
        np.asarray(line_index, dtype=np.int64),
        price_cents,
        cost_cents,
        pack,
        cumulative,
        line_start,
        line_value,
    )


# --------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Accounts:
    codes: pa.Array[Any]
    names: list[str]
    z: FloatArray  # latent size: drives revenue, company size and everything "bigger customers do"
    rank: FloatArray  # percentile rank of z, 0 (smallest) to 1 (biggest)
    industry: IntArray
    segment: IntArray
    country: IntArray
    status: IntArray
    parent: IntArray  # index of the parent account or -1
    first_day: IntArray  # buying window [first_day, last_day) in calendar days
    last_day: IntArray
    trend: FloatArray  # power applied to uniform draws of order dates: below 1 grows, above 1 declines
    discount: FloatArray
    costly: BoolArray  # expensive to serve: rush orders, returns, late deliveries, tickets
    mix_cumulative: FloatArray  # cumulative product-line mix, accounts x lines

    @property
    def count(self) -> int:
        return len(self.names)


def _make_accounts(rng: np.random.Generator, count: int, calendar: _Calendar) -> _Accounts:
    index = np.arange(count, dtype=np.int64)
    z = rng.standard_normal(count)
    rank = np.argsort(np.argsort(z)).astype(np.float64) / max(count - 1, 1)
    industry = rng.choice(len(_INDUSTRIES), size=count, p=_INDUSTRY_SHARES).astype(np.int64)
    segment = rng.choice(len(_SEGMENTS), size=count, p=_SEGMENT_SHARES).astype(np.int64)
    country = rng.choice(len(_COUNTRIES), size=count, p=_COUNTRY_SHARES).astype(np.int64)
    public = segment == _PUBLIC_SEGMENT
    country[public] = 0

    status = np.zeros(count, dtype=np.int64)
    prospects = rng.choice(count, size=max(2, round(0.01 * count)), replace=False)
    status[prospects] = _PROSPECT
    # Lost customers are rarely among the biggest: those get a KAM and a rescue plan first.
    lost = np.flatnonzero((status == _CUSTOMER) & (rank < 0.8))
    status[rng.choice(lost, size=max(3, round(0.03 * count)), replace=False)] = _FORMER

    # Groups: a few big accounts own subsidiaries listed after them, so parents precede children, no cycles.
    parent = np.full(count, -1, dtype=np.int64)
    groups = np.flatnonzero((status == _CUSTOMER) & ~public & (rank >= 0.85) & (index < 0.6 * count))
    parents = np.sort(rng.choice(groups, size=min(len(groups), max(2, round(0.02 * count))), replace=False))
    is_parent = np.zeros(count, dtype=np.bool_)
    is_parent[parents] = True
    candidates = np.flatnonzero((status != _PROSPECT) & ~public & ~is_parent & (index > parents[0]))
    children = np.sort(rng.choice(candidates, size=min(len(candidates), round(0.05 * count)), replace=False))
    eligible = np.searchsorted(parents, children)  # parents with a smaller index than the child
    parent[children] = parents[np.floor(rng.random(len(children)) * eligible).astype(np.int64)]
    industry[children] = industry[parent[children]]
    segment[children] = segment[parent[children]]

    names, industry = _company_names(rng, industry, public, country, parent, is_parent)

    days = calendar.days
    first_day = np.zeros(count, dtype=np.int64)
    last_day = np.full(count, days, dtype=np.int64)
    new = (status == _CUSTOMER) & (rng.random(count) < 0.12)
    first_day[new] = rng.integers(0, days - 180, size=int(new.sum()))
    former = status == _FORMER
    first_day[former] = np.where(rng.random(int(former.sum())) < 0.2, rng.integers(0, 200, int(former.sum())), 0)
    # Former customers stop early enough that neither invoices nor credit notes reach the last year.
    last_day[former] = rng.integers(first_day[former] + 150, days - 400)
    trend = np.exp(0.3 * rng.standard_normal(count))
    trend[former] = 1.0 + np.abs(trend[former] - 1.0)
    discount = np.clip(0.01 + 0.22 * rank**1.6 + 0.02 * rng.standard_normal(count), 0.0, 0.25)
    costly = rng.random(count) < 0.10
    affinity = _AFFINITY / _AFFINITY.sum(axis=1, keepdims=True)
    mix = rng.gamma(8.0 * affinity[industry])
    mix_cumulative = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    codes = pa.array([f"C{i + 1:05d}" for i in range(count)], pa.string())
    return _Accounts(
        codes, names, z, rank, industry, segment, country, status, parent, first_day, last_day, trend,
        discount, costly, mix_cumulative,
    )  # fmt: skip


def _company_names(
    rng: np.random.Generator,
    industry: IntArray,
    public: BoolArray,
    country: IntArray,
    parent: IntArray,
    is_parent: BoolArray,
) -> tuple[list[str], IntArray]:
    """Unique company names; public bodies also decide the industry they buy like."""
    industry = industry.copy()
    used: set[str] = set()
    names: list[str] = []
    roots: list[str] = []
    for i in range(len(industry)):
        for attempt in range(40):
            if public[i]:
                body, body_industry = _PUBLIC_BODIES[int(rng.integers(len(_PUBLIC_BODIES)))]
                industry[i] = body_industry
                root = f"{body} {_CITIES[int(rng.integers(len(_CITIES)))]}"
                name = root
            elif parent[i] >= 0:
                suffix = _pick(rng, _SUBSIDIARY_SUFFIXES[country[i]])
                root = roots[parent[i]].removeprefix("Grupo ")
                name = f"{root} {suffix} {_legal_form(rng, int(country[i]))}"
            else:
                word = _pick(rng, _INDUSTRY_WORDS[industry[i]])
                pattern = rng.random()
                if pattern < 0.55:
                    root = f"{word} {_pick(rng, _PLACES)}"
                elif pattern < 0.75:
                    root = f"{word} {_pick(rng, _SURNAMES_ES)}"
                elif pattern < 0.9:
                    root = f"{word} Hermanos {_pick(rng, _SURNAMES_ES)}"
                else:
                    root = f"{_pick(rng, _SURNAMES_ES)} e Hijos"
                if is_parent[i]:
                    root = f"Grupo {root}"
                name = f"{root} {_legal_form(rng, int(country[i]))}"
            if attempt >= 30:  # the word lists run out for this kind of name: number it
                name = f"{name} ({attempt - 28})"
            if name not in used:
                break
        used.add(name)
        names.append(name)
        roots.append(root)
    return names, industry


def _legal_form(rng: np.random.Generator, country: int) -> str:
    forms, shares = _LEGAL_FORMS_FR if country == 2 else _LEGAL_FORMS[country]
    return forms[int(rng.choice(len(forms), p=shares))]


def _pick(rng: np.random.Generator, words: Sequence[str]) -> str:
    return words[int(rng.integers(len(words)))]


# --------------------------------------------------------------------------------------
# Demand and sales
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    invoices: IntArray  # invoices per account over the history
    lines_per_invoice: FloatArray  # mean lines per invoice
    scale: FloatArray  # quantity multiplier per line
    yearly_potential: FloatArray  # expected yearly net revenue (cents) if the account bought all year


def _top_share(values: FloatArray, fraction: float = 0.2) -> float:
    ordered = np.sort(values)[::-1]
    top = max(1, int(len(ordered) * fraction))
    return float(ordered[:top].sum() / ordered.sum())


def _plan_demand(accounts: _Accounts, products: _Products, target_lines: int, calendar: _Calendar) -> _Plan:
    buying = accounts.status != _PROSPECT
    active = (calendar.cumulative[accounts.last_day] - calendar.cumulative[accounts.first_day]) / float(
        calendar.cumulative[-1]
    )
    mix = np.diff(accounts.mix_cumulative, axis=1, prepend=0.0)
    # Expected revenue is proportional to exp(s * z) times this, whatever the split into lines and quantities.
    base = active * (1.0 - accounts.discount) * (mix @ products.line_value)
    low, high = 0.05, 5.0
    for _ in range(60):
        middle = (low + high) / 2
        if _top_share(np.exp(middle * accounts.z[buying]) * base[buying]) < _TOP_SHARE_TARGET:
            low = middle
        else:
            high = middle
    spread = (low + high) / 2
    weight = np.where(buying, np.exp(spread * accounts.z) * active, 0.0)
    lines_per_invoice = 1.6 + 3.4 * accounts.rank
    frequency = np.where(buying, np.exp(_LINE_COUNT_ELASTICITY * spread * accounts.z) * active, 0.0)
    minimum = np.where(buying, 3.0, 0.0)
    factor = target_lines / float((frequency * lines_per_invoice).sum())
    for _ in range(10):  # the minimum of three invoices per customer shifts the total a little
        invoices = np.maximum(minimum, np.rint(factor * frequency))
        factor *= target_lines / float((invoices * lines_per_invoice).sum())
    invoices = np.maximum(minimum, np.rint(factor * frequency))
    scale = np.zeros(accounts.count)
    scale[buying] = weight[buying] / (invoices[buying] * lines_per_invoice[buying])
    # Normalised on a quantile, not the minimum, so that revenue per customer does not grow with the size.
    scale /= np.quantile(scale[buying], 0.05)
    years = calendar.days / 365.25
    expected = scale * invoices * lines_per_invoice * (1.0 - accounts.discount) * (mix @ products.line_value)
    ratio = expected[buying].sum() / weight[buying].sum()
    yearly_potential = np.exp(spread * accounts.z) * ratio / years
    return _Plan(invoices.astype(np.int64), lines_per_invoice, scale, yearly_potential)


@dataclass(frozen=True)
class _Sales:
    # per invoice, in date order
    invoice_account: IntArray
    invoice_day: IntArray
    invoice_lines: IntArray
    invoice_quantity: IntArray
    invoice_numbers: pa.Array[Any]
    order_refs: pa.Array[Any]
    delivery_codes: pa.Array[Any]
    # per credit note (one per returned order)
    credit_invoice: IntArray  # the invoice it credits
    credit_day: IntArray
    credit_numbers: pa.Array[Any]
    # per line, in file order
    line_document: IntArray  # invoices first, then credit notes
    line_number: IntArray
    line_account: IntArray
    line_product: IntArray
    line_day: IntArray
    quantity: IntArray
    net: IntArray  # cents
    list_value: IntArray
    cost: IntArray
    line_order: IntArray  # invoice whose order_ref the line carries
    revenue: FloatArray  # net revenue per account, cents
    last_year_revenue: FloatArray


def _numbered(prefix: str, year: IntArray, sequence: IntArray) -> pa.Array[Any]:
    """Document numbers such as ``F2024-000123`` (four-digit years, up to 999,999 a year)."""
    digits = pc.cast(_indices(year * 1_000_000 + sequence), pa.string())
    return _prefixed(prefix, pc.utf8_replace_slice(digits, 4, 4, "-"))


def _prefixed(prefix: str, text: pa.Array[Any]) -> pa.Array[Any]:
    return pc.utf8_replace_slice(text, 0, 0, prefix)


def _sequence_in_year(year: IntArray) -> IntArray:
    """1, 2, 3… restarting every year, for a non-decreasing array of years."""
    position = np.arange(len(year), dtype=np.int64)
    return position - np.searchsorted(year, year, side="left").astype(np.int64) + 1


def _make_sales(
    rng: np.random.Generator, accounts: _Accounts, products: _Products, plan: _Plan, calendar: _Calendar
) -> _Sales:
    days = calendar.days
    account = np.repeat(np.arange(accounts.count, dtype=np.int64), plan.invoices)
    count = len(account)
    lines = 1 + np.minimum(11, rng.poisson(plan.lines_per_invoice[account] - 1.0)).astype(np.int64)
    u = (1.0 - rng.random(count)) ** accounts.trend[account]
    day = calendar.sample(accounts.first_day[account], accounts.last_day[account], u)

    # Current customers bought at least once in the last year; the small ones might not have by chance.
    by_account = np.lexsort((day, account))
    last_invoice = by_account[np.cumsum(plan.invoices)[plan.invoices > 0] - 1]
    stale = last_invoice[(accounts.status[account[last_invoice]] == _CUSTOMER) & (day[last_invoice] < days - 365)]
    low = np.maximum(accounts.first_day[account[stale]], days - 365)
    day[stale] = calendar.sample(low, np.full(len(stale), days, dtype=np.int64), 1.0 - rng.random(len(stale)))

    order = np.lexsort((rng.random(count), day))
    account, lines, day = account[order], lines[order], day[order]
    year = calendar.year[day]
    sequence = _sequence_in_year(year)

    # Lines, grouped by invoice in date order.
    line_invoice = np.repeat(np.arange(count, dtype=np.int64), lines)
    line_count = len(line_invoice)
    starts = np.cumsum(lines) - lines
    line_number = np.arange(line_count, dtype=np.int64) - starts[line_invoice] + 1
    line_account = account[line_invoice]
    u = rng.random(line_count)
    product_line = np.zeros(line_count, dtype=np.int64)
    for column in range(len(_PRODUCT_LINES) - 1):  # one column at a time keeps memory flat for 5 M lines
        product_line += u > accounts.mix_cumulative[line_account, column]
    first = products.cumulative[products.line_start[product_line]]
    last = products.cumulative[products.line_start[product_line + 1]]
    target = first + (1.0 - rng.random(line_count)) * (last - first)
    product = np.searchsorted(products.cumulative, target, side="left").astype(np.int64) - 1
    noise = np.exp(0.5 * rng.standard_normal(line_count) - 0.125)
    quantity = np.maximum(1, np.rint(plan.scale[line_account] * products.pack[product] * noise)).astype(np.int64)
    list_value = products.price[product] * quantity
    discount = np.clip(accounts.discount[line_account] + 0.01 * rng.standard_normal(line_count), 0.0, 0.25)
    net = np.rint(list_value * (1.0 - discount)).astype(np.int64)
    net[rng.random(line_count) < 0.001] = 0  # free samples and warranty replacements
    cost = products.cost[product] * quantity
    invoice_quantity = np.add.reduceat(quantity, starts) if count else np.zeros(0, dtype=np.int64)

    # Returns: a credit note for one to three lines of about 1% of orders (more for costly accounts).
    returned = rng.random(count) < np.where(accounts.costly[account], 0.03, 0.01)
    credit_day = calendar.next_business[day + rng.integers(3, 31, size=count)]
    returned &= credit_day < days
    credit_invoice = np.flatnonzero(returned)
    credit_order = np.lexsort((credit_invoice, credit_day[credit_invoice]))
    credit_invoice = credit_invoice[credit_order]
    credit_day = credit_day[credit_invoice]
    credit_year = calendar.year[credit_day]
    credit_lines = np.minimum(lines[credit_invoice], rng.choice(3, size=len(credit_invoice), p=(0.55, 0.3, 0.15)) + 1)
    offset = rng.integers(0, lines[credit_invoice])
    credit_note = np.repeat(np.arange(len(credit_invoice), dtype=np.int64), credit_lines)
    credit_line_number = (
        np.arange(len(credit_note), dtype=np.int64) - (np.cumsum(credit_lines) - credit_lines)[credit_note]
    )
    credited = (
        starts[credit_invoice[credit_note]]
        + (offset[credit_note] + credit_line_number) % lines[credit_invoice[credit_note]]
    )
    credited_quantity = np.where(
        rng.random(len(credited)) < 0.6,
        quantity[credited],
        np.minimum(quantity[credited], 1 + np.floor(rng.random(len(credited)) * quantity[credited]).astype(np.int64)),
    )
    credit_net = -((net[credited] * credited_quantity) // quantity[credited])

    # All lines: invoices, then credit notes, stably sorted by date.
    document = np.concatenate((line_invoice, count + credit_note))
    all_day = np.concatenate((day[line_invoice], credit_day[credit_note]))
    file_order = np.argsort(all_day, kind="stable")
    all_product = np.concatenate((product, product[credited]))
    all_quantity = np.concatenate((quantity, -credited_quantity))
    all_net = np.concatenate((net, credit_net))
    all_list = np.concatenate((list_value, -products.price[product[credited]] * credited_quantity))
    all_cost = np.concatenate((cost, -products.cost[product[credited]] * credited_quantity))
    all_account = np.concatenate((line_account, account[credit_invoice[credit_note]]))
    all_order = np.concatenate((line_invoice, credit_invoice[credit_note]))
    all_number = np.concatenate((line_number, credit_line_number + 1))

    revenue = np.bincount(all_account, weights=all_net, minlength=accounts.count).astype(np.float64)
    recent = all_day >= days - 365
    last_year_revenue = np.bincount(all_account[recent], weights=all_net[recent], minlength=accounts.count)
    return _Sales(
        invoice_account=account,
        invoice_day=day,
        invoice_lines=lines,
        invoice_quantity=invoice_quantity.astype(np.int64),
        invoice_numbers=_numbered("F", year, sequence),
        order_refs=_numbered("P", year, sequence),
        delivery_codes=_numbered("E", year, sequence),
        credit_invoice=credit_invoice,
        credit_day=credit_day,
        credit_numbers=_numbered("A", credit_year, _sequence_in_year(credit_year)),
        line_document=document[file_order],
        line_number=all_number[file_order],
        line_account=all_account[file_order],
        line_product=all_product[file_order],
        line_day=all_day[file_order],
        quantity=all_quantity[file_order],
        net=all_net[file_order],
        list_value=all_list[file_order],
        cost=all_cost[file_order],
        line_order=all_order[file_order],
        revenue=revenue,
        last_year_revenue=last_year_revenue.astype(np.float64),
    )


# --------------------------------------------------------------------------------------
# Owners, accounts table, invoices table
# --------------------------------------------------------------------------------------


def _assign_owners(rng: np.random.Generator, accounts: _Accounts, sales: _Sales, users: _Users) -> IntArray:
    """Index of the owning KAM per account, or -1: the top fifth of current customers by revenue."""
    owner = np.full(accounts.count, -1, dtype=np.int64)
    current = np.flatnonzero(accounts.status == _CUSTOMER)
    ranked = current[np.argsort(-sales.revenue[current], kind="stable")]
    owned = ranked[: round(0.2 * accounts.count)]
    kams = len(users.kams)
    # Deal the accounts round by round, in a fresh order each round, so portfolios are balanced in value.
    deal = np.concatenate([rng.permutation(kams) for _ in range(len(owned) // kams + 1)])
    owner[owned] = deal[: len(owned)]
    children = np.flatnonzero((accounts.parent >= 0) & (owner >= 0))
    group_owner = owner[accounts.parent[children]]
    owner[children] = np.where(group_owner >= 0, group_owner, owner[children])  # a group has one KAM
    return owner


def _usernames(owner: IntArray, users: _Users) -> pa.Array[Any]:
    names = pa.array(users.kams, pa.string())
    return _take(names, owner, missing=owner < 0)


def _accounts_table(
    rng: np.random.Generator,
    accounts: _Accounts,
    sales: _Sales,
    owner: IntArray,
    plan: _Plan,
    users: _Users,
    calendar: _Calendar,
) -> pa.Table:
    count = accounts.count
    score = accounts.z + 0.6 * rng.standard_normal(count)
    cuts = np.quantile(score, _ACCOUNT_SIZE_QUANTILES)
    size = np.searchsorted(cuts, score).astype(np.int64)
    active_years = np.maximum(accounts.last_day - accounts.first_day, 90) / 365.25
    base = np.maximum(sales.last_year_revenue, sales.revenue / active_years)
    share = np.where(owner >= 0, rng.uniform(0.25, 0.9, count), rng.uniform(0.1, 0.8, count))
    prospect = accounts.status == _PROSPECT
    base = np.where(prospect, plan.yearly_potential, base)
    share = np.where(prospect, 1.0, share)
    # Rounded up to thousands of euros: the wallet is an estimate and never below what they already buy from us.
    wallet_thousands = np.maximum(1, np.ceil(base / share / 100_000.0)).astype(np.int64)
    unknown = rng.random(count) < np.where(owner >= 0, 0.05, 0.37)
    parent = _take(accounts.codes, accounts.parent, missing=accounts.parent < 0)
    # The relationship stage follows our share of the customer's wallet (McDonald's operational
    # definitions): derived, not drawn, so the random stream of the rest of the company is unchanged.
    stage = np.where(owner >= 0, 1 + np.searchsorted([0.4, 0.6, 0.8], share, side="right"), (share >= 0.3).astype(int))
    stage = np.where(prospect, 0, stage)
    key, tier, phase, since = _key_programme(accounts, sales, owner, calendar)
    return pa.table(
        {
            "code": accounts.codes,
            "name": pa.array(accounts.names, pa.string()),
            "parent": parent,
            "industry": _take(pa.array(_INDUSTRIES), accounts.industry),
            "segment": _take(pa.array(_SEGMENTS), accounts.segment),
            "country": _take(pa.array(_COUNTRIES), accounts.country),
            "size": _take(pa.array(_ACCOUNT_SIZES), size),
            "status": _take(pa.array(_STATUSES), accounts.status),
            "owner": _usernames(owner, users),
            "estimated_wallet": _money(wallet_thousands * 100_000, missing=unknown),
            "relationship_stage": _take(pa.array(_RELATIONSHIP_STAGES), stage.astype(np.int64)),
            "is_key_account": pa.array(np.where(key, "true", "false").tolist(), pa.string()),
            "key_account_since": pa.array([since if flag else None for flag in key], pa.date32()),
            "tier": _take(pa.array(_KEY_TIERS), tier, missing=~key),
            "phase": _take(pa.array(_KEY_PHASES), phase, missing=~key),
        }
    )


_KEY_ACCOUNTS = 24  # the programme the company already runs when it starts using OpenKAM
_KEY_TIERS = ("strategic", "star", "status")
_KEY_PHASES = ("growth", "growth", "maintenance")


def _key_programme(
    accounts: _Accounts, sales: _Sales, owner: IntArray, calendar: _Calendar
) -> tuple[BoolArray, IntArray, IntArray, dt.date]:
    """The key accounts the company already has: its biggest owned customers, key for 22 months.

    Derived from revenue (no random draw), so the rest of the company is unchanged. The first
    8 are strategic, the next 8 stars, the rest status; their phases follow the default policy.
    """
    eligible = (owner >= 0) & (accounts.status == _CUSTOMER)
    order = np.argsort(-np.where(eligible, sales.revenue, -np.inf), kind="stable")
    chosen = order[: min(_KEY_ACCOUNTS, int(eligible.sum()))]
    key = np.zeros(accounts.count, dtype=np.bool_)
    key[chosen] = True
    rank = np.zeros(accounts.count, dtype=np.int64)
    rank[chosen] = np.arange(len(chosen))
    tier = np.minimum(rank // 8, 2)
    start = _EPOCH + dt.timedelta(days=int(calendar.start))
    since_month = start.month - 1 + 14  # 14 months of history before the programme
    since = dt.date(start.year + since_month // 12, since_month % 12 + 1, 1)
    return key, tier, tier, since


def _invoices_table(
    accounts: _Accounts, products: _Products, sales: _Sales, owner: IntArray, users: _Users, calendar: _Calendar
) -> pa.Table:
    documents = pa.concat_arrays([sales.invoice_numbers, sales.credit_numbers])
    product_lines = pa.array([line.code for line in _PRODUCT_LINES], pa.string())
    return pa.table(
        {
            "invoice": _take(documents, sales.line_document),
            "line": pc.cast(pa.array(sales.line_number, pa.int64()), pa.string()),
            "account": _take(accounts.codes, sales.line_account),
            "product": _take(products.codes, sales.line_product),
            "product_line": _take(product_lines, products.line[sales.line_product]),
            "date": calendar.dates(sales.line_day),
            "quantity": pa.array(sales.quantity, pa.int64()),
            "net_revenue": _money(sales.net),
            "list_revenue": _money(sales.list_value),
            "cost": _money(sales.cost),
            "order_ref": _take(sales.order_refs, sales.line_order),
            "sales_rep": _usernames(owner[sales.line_account], users),
        }
    )


# --------------------------------------------------------------------------------------
# Contacts and account teams
# --------------------------------------------------------------------------------------


def _contacts_and_team(
    rng: np.random.Generator, accounts: _Accounts, owner: IntArray, users: _Users, calendar: _Calendar
) -> tuple[pa.Table, pa.Table]:
    count = accounts.count
    owned = owner >= 0
    many = 2 + rng.binomial(6, 0.3 + 0.5 * accounts.rank)
    few = rng.choice(3, size=count, p=(0.3, 0.5, 0.2))
    contacts_per_account = np.where(owned, many, few)
    prospect, former = accounts.status == _PROSPECT, accounts.status == _FORMER
    contacts_per_account[prospect] = 1 + rng.integers(0, 2, int(prospect.sum()))
    contacts_per_account[former] = rng.integers(0, 2, int(former.sum()))
    total = int(contacts_per_account.sum())
    contact_account = np.repeat(np.arange(count, dtype=np.int64), contacts_per_account)
    contact_owned = owned[contact_account]
    # Drawn up front, vectorised, so the per-contact loop below only assembles text.
    female = rng.random(total) < 0.45
    first_pick = rng.integers(0, 1_000_000, total)
    surname_pick = rng.integers(0, 1_000_000, (total, 2))
    influence_noise = rng.choice(np.array([-1, 0, 0, 1], dtype=np.int64), total)
    attitude = rng.choice(len(_ATTITUDES), size=total, p=_ATTITUDE_SHARES)
    has_owner = contact_owned & (rng.random(total) < 0.85)
    level = np.where(
        has_owner,
        rng.choice(4, size=total, p=(0.05, 0.25, 0.45, 0.25)),
        rng.choice(4, size=total, p=(0.35, 0.45, 0.2, 0.0)),
    )
    contacted = (level > 0) & (rng.random(total) < np.where(contact_owned, 0.95, 0.6))
    last_contact = calendar.sample(
        np.full(total, calendar.days - 200, dtype=np.int64),
        np.full(total, calendar.days, dtype=np.int64),
        1.0 - rng.random(total),
    )
    role_pick = rng.random(total)
    no_role = rng.random(total) < 0.12
    phone_digits = rng.integers(0, 10, (total, 9))
    mobile = rng.random(total) < 0.4
    no_phone = rng.random(total) < 0.15

    text_columns = [name for name in _HEADERS["contacts"] if name not in {"account", "influence", "last_contact_at"}]
    rows: dict[str, list[str | None]] = {name: [] for name in text_columns}
    influence_values: list[int] = []
    position = 0
    for account in range(count):
        n = int(contacts_per_account[account])
        if n == 0:
            continue
        weights = _OWNED_CHART_WEIGHTS if owned[account] else _OTHER_CHART_WEIGHTS
        if owned[account]:
            rest = rng.choice(len(weights), size=n - 1, replace=False, p=weights / weights.sum())
            chart = sorted([0, *rest.tolist()])
        else:
            chart = sorted(rng.choice(len(weights), size=n, replace=False, p=weights / weights.sum()).tolist())
        code_of = {entry: f"P{k + 1}" for k, entry in enumerate(chart)}
        country = int(accounts.country[account])
        male_names, female_names, surnames, surname_count = _PEOPLE[country]
        domain = f"{_slug(accounts.names[account])}.example"
        phone_prefix = ("+34", "+351", "+33")[country]
        locals_used: set[str] = set()
        kam = users.kams[owner[account]] if owned[account] else None
        for entry in chart:
            c = position
            position += 1
            male_title, female_title, department, boss, buying_roles, influence = _ORG_CHART[entry]
            names = female_names if female[c] else male_names
            first = names[int(first_pick[c]) % len(names)]
            last_parts = [surnames[int(surname_pick[c, j]) % len(surnames)] for j in range(surname_count)]
            last = " ".join(last_parts)
            local = f"{_ascii(first).replace(' ', '')}.{_ascii(last_parts[0]).replace(' ', '')}"
            suffix = 2
            candidate = local
            while candidate in locals_used:
                candidate = f"{local}{suffix}"
                suffix += 1
            locals_used.add(candidate)
            while boss >= 0 and boss not in code_of:
                boss = _ORG_CHART[boss][3]
            digits = "".join(str(d) for d in phone_digits[c])
            lead = ("6" if mobile[c] else "9", "9" if mobile[c] else "2", "6" if mobile[c] else "1")[country]
            phone = (
                f"{phone_prefix} {lead}{digits[:2]} {digits[2:5]} {digits[5:8]}"
                if country < 2
                else f"{phone_prefix} {lead} {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}"
            )
            rows["code"].append(code_of[entry])
            rows["first_name"].append(first)
            rows["last_name"].append(last)
            rows["title"].append(female_title if female[c] else male_title)
            rows["department"].append(department)
            rows["email"].append(f"{candidate}@{domain}")
            rows["phone"].append(None if no_phone[c] else phone)
            rows["reports_to"].append(code_of[boss] if boss >= 0 else None)
            rows["buying_role"].append(None if no_role[c] else buying_roles[int(role_pick[c] * len(buying_roles))])
            influence_values.append(min(5, max(1, influence + int(influence_noise[c]))))
            rows["attitude"].append(_ATTITUDES[int(attitude[c])])
            rows["relationship_owner"].append(kam if has_owner[c] else None)
            rows["relationship_level"].append(_LEVELS[int(level[c])])
    columns: dict[str, pa.Array[Any]] = {name: pa.array(values, pa.string()) for name, values in rows.items()}
    columns["account"] = _take(accounts.codes, contact_account)
    columns["influence"] = pa.array(influence_values, pa.int64())
    columns["last_contact_at"] = calendar.dates(last_contact, missing=~contacted)
    contacts = pa.table([columns[name] for name in _HEADERS["contacts"]], names=list(_HEADERS["contacts"]))
    return contacts, _team(rng, owner, users, accounts)


def _team(rng: np.random.Generator, owner: IntArray, users: _Users, accounts: _Accounts) -> pa.Table:
    eligible = np.array([department in _TEAM_ROLE for _, department in users.members], dtype=np.bool_)
    team_account: list[int] = []
    rows: dict[str, list[str]] = {name: [] for name in _HEADERS["team"] if name != "account"}
    for account in np.flatnonzero(owner >= 0).tolist():
        kam = int(owner[account])
        team_account.append(account)
        rows["username"].append(users.kams[kam])
        rows["role"].append("key_account_manager")
        rows["department"].append("sales")
        # The KAM's own pod is the usual team; colleagues from other pods step in now and then.
        weights = np.where(users.pod == kam, 6.0, 1.0) * eligible
        size = min(int(rng.integers(1, 4)), int(eligible.sum()))
        for member in sorted(rng.choice(len(weights), size=size, replace=False, p=weights / weights.sum()).tolist()):
            username, department = users.members[member]
            team_account.append(account)
            rows["username"].append(username)
            rows["role"].append(_TEAM_ROLE[department])
            rows["department"].append(department)
    columns = {name: pa.array(values, pa.string()) for name, values in rows.items()}
    return pa.table({"account": _take(accounts.codes, np.asarray(team_account, dtype=np.int64)), **columns})


# --------------------------------------------------------------------------------------
# Service cases
# --------------------------------------------------------------------------------------

_CASE_COUNTS = {"small": 120, "medium": 400, "large": 1_500}
_CASE_WINDOW_DAYS = 180
_CASE_TYPES = (
    ("order_issue", 0.18, "logistics", ("Wrong quantity on order", "Order line missing", "Order entered twice")),
    ("delivery", 0.24, "logistics", ("Delivery late", "Partial delivery", "Delivered to the wrong plant")),
    ("support", 0.20, "technical", ("Technical question on a bearing", "Data sheet requested", "Fitting advice")),
    ("complaint", 0.10, "customer_service", ("Damaged goods", "Repeated late deliveries", "Rude driver")),
    ("claim", 0.07, "customer_service", ("Warranty claim", "Defective batch")),
    ("return", 0.12, "logistics", ("Return of unused stock", "Wrong product returned")),
    ("invoice_dispute", 0.09, "finance", ("Price differs from the offer", "Discount missing on invoice")),
)
_PRIORITIES = (("urgent", 0.08), ("high", 0.22), ("normal", 0.6), ("low", 0.1))


def _cases(
    rng: np.random.Generator, accounts: _Accounts, owner: IntArray, users: _Users, calendar: _Calendar, count: int
) -> pa.Table:
    """Service cases of the last months: more on accounts with a KAM and on big ones; some late, some open."""
    customer = accounts.status == _CUSTOMER
    weight = np.where(customer, 0.2 + accounts.rank**2, 0.0) * np.where(owner >= 0, 4.0, 1.0)
    account = rng.choice(accounts.count, size=count, p=weight / weight.sum())
    first = calendar.days - _CASE_WINDOW_DAYS
    day = calendar.next_business[rng.integers(first, calendar.days - 1, size=count)]
    day = np.minimum(day, calendar.days - 1)
    minute = rng.integers(8 * 60, 18 * 60, size=count)
    kind = rng.choice(len(_CASE_TYPES), size=count, p=[share for _t, share, _d, _s in _CASE_TYPES])
    subject_pick = rng.integers(0, 1_000, size=count)
    priority = rng.choice(len(_PRIORITIES), size=count, p=[share for _p, share in _PRIORITIES])
    late_response = rng.random(count) < 0.15
    response_hours = np.where(late_response, rng.uniform(8, 60, count), rng.uniform(0.2, 5, count))
    late_resolution = rng.random(count) < 0.18
    resolution_hours = np.where(late_resolution, rng.uniform(80, 400, count), rng.uniform(4, 70, count))
    age_hours = (calendar.days - day) * 24.0 - minute / 60.0
    still_open = (calendar.days - day < 30) & (rng.random(count) < 0.5)  # the recent ones are still being worked
    resolved = (resolution_hours < age_hours - 12) & ~still_open
    answered = response_hours < age_hours
    with_contact = rng.random(count) < 0.7
    start = dt.datetime(1970, 1, 1) + dt.timedelta(days=calendar.start)
    order = np.lexsort((minute, day))
    rows: dict[str, list[str | None]] = {name: [] for name in _HEADERS["cases"]}
    sequence: dict[int, int] = {}
    for index in order.tolist():
        opened = start + dt.timedelta(days=int(day[index]), minutes=int(minute[index]))
        case_type, _share, department, subjects = _CASE_TYPES[int(kind[index])]
        sequence[opened.year] = sequence.get(opened.year, 0) + 1
        code = f"SR-{opened.year}-{sequence[opened.year]:05d}"
        owned = owner[int(account[index])] >= 0
        rows["account"].append(accounts.codes[int(account[index])].as_py())
        rows["code"].append(code)
        rows["type"].append(case_type)
        rows["subject"].append(subjects[int(subject_pick[index]) % len(subjects)])
        rows["opened_at"].append(f"{opened:%Y-%m-%d %H:%M}")
        response = opened + dt.timedelta(hours=float(response_hours[index]))
        resolution = opened + dt.timedelta(hours=float(max(resolution_hours[index], response_hours[index])))
        rows["first_response_at"].append(f"{response:%Y-%m-%d %H:%M}" if answered[index] else None)
        rows["resolved_at"].append(f"{resolution:%Y-%m-%d %H:%M}" if resolved[index] and answered[index] else None)
        rows["priority"].append(_PRIORITIES[int(priority[index])][0])
        rows["owner"].append(users.kams[int(owner[int(account[index])])] if owned else None)
        rows["department"].append(department)
        rows["contact"].append("P1" if owned and with_contact[index] else None)
        rows["reference"].append(f"PED-{opened:%y%m}-{int(subject_pick[index]):03d}")
    return pa.table({name: pa.array(values, pa.string()) for name, values in rows.items()})


# --------------------------------------------------------------------------------------
# Deliveries and activities
# --------------------------------------------------------------------------------------


def _deliveries(
    rng: np.random.Generator, accounts: _Accounts, sales: _Sales, calendar: _Calendar
) -> tuple[pa.Table, IntArray]:
    """The deliveries table and the delivered day per order (-1 while still on its way)."""
    count = len(sales.invoice_day)
    day = sales.invoice_day
    account = sales.invoice_account
    promised = calendar.next_business[day + rng.integers(2, 8, size=count)]
    late = rng.random(count) < np.where(accounts.costly[account], 0.2, 0.065)
    early = calendar.next_business[np.maximum(day + 1, promised - rng.integers(0, 3, size=count))]
    delivered = np.where(
        late, calendar.next_business[promised + rng.integers(1, 11, size=count)], np.minimum(early, promised)
    )
    # Still on the way: anything due after today, and a few backorders among the last three weeks' orders.
    pending = (delivered >= calendar.days) | ((day >= calendar.days - 21) & (rng.random(count) < 0.1))
    in_full = (rng.random(count) < 0.95) & ~pending
    ordered = sales.invoice_quantity
    partial = np.floor(ordered * rng.uniform(0.5, 0.95, size=count)).astype(np.int64)
    quantity_delivered = np.where(in_full, ordered, np.where(pending, 0, partial))
    table = pa.table(
        {
            "delivery": sales.delivery_codes,
            "account": _take(accounts.codes, account),
            "order_ref": sales.order_refs,
            "promised_date": calendar.dates(promised),
            "delivered_date": calendar.dates(delivered, missing=pending),
            "in_full": pa.array(in_full, pa.bool_()),
            "quantity_ordered": pa.array(ordered, pa.int64()),
            "quantity_delivered": pa.array(quantity_delivered, pa.int64()),
        }
    )
    return table, np.where(pending, -1, delivered).astype(np.int64)


def _activities(
    rng: np.random.Generator,
    accounts: _Accounts,
    sales: _Sales,
    owner: IntArray,
    delivered: IntArray,
    calendar: _Calendar,
) -> pa.Table:
    days = calendar.days
    count = len(sales.invoice_day)
    invoice = np.arange(count, dtype=np.int64)
    account, day = sales.invoice_account, sales.invoice_day
    parts: list[tuple[IntArray, IntArray, int, IntArray, pa.Array[Any], pa.Array[Any], pa.Array[Any]]] = []

    def add(
        part_account: IntArray,
        part_day: IntArray,
        activity: int,
        key: IntArray,
        reference: pa.Array[Any],
        quantity: pa.Array[Any] | None = None,
        cost: pa.Array[Any] | None = None,
    ) -> None:
        n = len(part_account)
        if quantity is None:
            quantity = pc.cast(pa.array(np.ones(n, dtype=np.int64)), pa.string())
        if cost is None:  # costs come from the activity rates
            cost = pa.nulls(n, pa.decimal128(18, 2))
        parts.append((part_account, part_day, activity, key, reference, quantity, cost))

    def add_numbered(
        counts: IntArray,
        first: IntArray,
        last: IntArray,
        activity: int,
        prefix: str,
        quantity: pa.Array[Any] | None = None,
    ) -> None:
        """Events per account on business days of [first, last), numbered in date order."""
        who = np.repeat(np.arange(accounts.count, dtype=np.int64), counts)
        when = calendar.sample(first[who], last[who], 1.0 - rng.random(len(who)))
        chronological = np.lexsort((who, when))
        sequence = np.arange(1, len(who) + 1, dtype=np.int64)
        digits = pc.utf8_lpad(pc.cast(_indices(sequence), pa.string()), 6, "0")
        add(
            who[chronological],
            when[chronological],
            activity,
            sequence,
            _prefixed(prefix, digits),
            quantity,
        )

    add(account, day, 0, invoice, sales.order_refs)
    add(account, day, 1, invoice, sales.order_refs, pc.cast(pa.array(sales.invoice_lines), pa.string()))
    shipped = np.flatnonzero(delivered >= 0)
    add(account[shipped], delivered[shipped], 2, shipped, _take(sales.delivery_codes, shipped))
    rush_rate = np.where(
        accounts.costly, rng.uniform(0.15, 0.35, accounts.count), rng.uniform(0.01, 0.05, accounts.count)
    )
    rush = np.flatnonzero(rng.random(count) < rush_rate[account])
    add(account[rush], day[rush], 3, rush, _take(sales.order_refs, rush))
    returned = sales.credit_invoice
    add(account[returned], sales.credit_day, 4, returned, _take(sales.order_refs, returned))
    # A handful of orders needed special packaging, charged at its actual cost.
    candidates = np.flatnonzero(accounts.costly[account] | (owner[account] >= 0))
    special = np.sort(rng.choice(candidates, size=min(len(candidates), 30, 6 + accounts.count // 250), replace=False))
    special_cost = np.rint(rng.uniform(35.0, 420.0, len(special)) * 100).astype(np.int64)
    add(
        account[special], day[special], 5, special, _take(sales.order_refs, special),
        cost=_money(special_cost),
    )  # fmt: skip

    # Visits: a KAM sees each account every month or two; others get the odd visit.
    buying = accounts.status != _PROSPECT
    prospect = ~buying
    first = np.where(prospect, days - 180, accounts.first_day)
    last = np.where(prospect, days, accounts.last_day)
    years = (last - first) / 365.25
    visit_rate = np.where(owner >= 0, 6.0 + 10.0 * accounts.rank, 0.2 + 1.5 * accounts.rank**4)
    visit_rate = np.where(prospect, 4.0, visit_rate)
    visits = rng.poisson(visit_rate * years)
    add_numbered(visits, first, last, 6, "V")

    orders_per_year = np.bincount(account, minlength=accounts.count) / np.maximum(years, 0.25)
    ticket_rate = np.where(buying, (0.2 + 0.02 * orders_per_year) * np.where(accounts.costly, 3.0, 1.0), 0.0)
    tickets = rng.poisson(ticket_rate * years)
    hours = np.clip(np.rint(rng.lognormal(np.log(1.5), 0.7, int(tickets.sum())) * 10), 5, 80).astype(np.int64)
    # Hours spent, to one decimal: the only quantity that is not a whole number.
    add_numbered(tickets, first, last, 7, "T", pc.cast(_decimal(hours, scale=1), pa.string()))

    account_all = np.concatenate([part[0] for part in parts])
    day_all = np.concatenate([part[1] for part in parts])
    activity_all = np.concatenate([np.full(len(part[0]), part[2], dtype=np.int64) for part in parts])
    key_all = np.concatenate([part[3] for part in parts])
    order = _indices(np.lexsort((key_all, activity_all, account_all, day_all)).astype(np.int64))
    table = pa.table(
        {
            "account": _take(accounts.codes, account_all),
            "date": calendar.dates(day_all),
            "activity": _take(pa.array(_ACTIVITIES), activity_all),
            "reference": pa.concat_arrays([part[4] for part in parts]),
            "quantity": pa.concat_arrays([part[5] for part in parts]),
            "cost": pa.concat_arrays([part[6] for part in parts]),
        }
    )
    return table.take(order)


# --------------------------------------------------------------------------------------
# Formatting and writing
# --------------------------------------------------------------------------------------


def _indices(values: IntArray, missing: BoolArray | None = None) -> pa.Array[Any]:
    return pa.array(values, pa.int64(), mask=missing)


def _take(values: pa.Array[Any], indices: IntArray, missing: BoolArray | None = None) -> pa.Array[Any]:
    """``values[indices]`` as Arrow strings, null where ``missing``."""
    return pc.take(values, _indices(indices, missing))


def _decimal(units: IntArray, scale: int, missing: BoolArray | None = None) -> pa.Array[Any]:
    """A decimal array from integer units of 10**-scale, exactly (no float rounding)."""
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = units >> 63  # two's complement sign extension to 128 bits
    validity = None
    if missing is not None and missing.any():
        validity = pa.array(~missing, pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(units), [validity, pa.py_buffer(words.tobytes())])


def _money(cents: IntArray, missing: BoolArray | None = None) -> pa.Array[Any]:
    return _decimal(np.asarray(cents, dtype=np.int64), scale=2, missing=missing)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def _slug(name: str) -> str:
    words = [word for word in _ascii(name).replace(".", " ").split() if word not in _LEGAL_WORDS]
    slug = "-".join("".join(ch for ch in word if ch.isalnum()) for word in words)
    return "-".join(part for part in slug.split("-") if part)[:60].strip("-") or "empresa"


def _write_csv(path: Path, table: pa.Table) -> None:
    # Arrow quotes header names even with quoting off; our names need no quotes, so the header is written here.
    with path.open("wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
