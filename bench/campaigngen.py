#!/usr/bin/env python3
"""Writes a labelled Maildir of made-up constituency-office mail with
advocacy-campaign floods, to measure campaign grouping and the flagging of
copies that carry a personal casework request (score an import of it with
bench/campaign_quality.py).

  python3 bench/campaigngen.py OUTDIR [--scale tiny|small|full] [--seed N]

Writes OUTDIR/Maildir/new/NNNNNNN.eml (name order = time order, 22-24 Nov
2026) and OUTDIR/labels.csv: message_id,group,kind,casework,addition,sender
  message_id  the Message-ID without angle brackets
  group       c1..c8 for campaign copies, else a label unique to the message
  kind        campaign | individual | newsletter | disclaimer (individual mail
              sharing one firm's legal disclaimer) | signature (one person's
              mails sharing a long signature)
  casework    1 if a campaign copy carries a personal casework addition
  addition    none | casework | opinion
Scales: tiny ~60 messages, small ~1,500, full ~6,000. Deterministic per seed.
Everything is made up: people, addresses (postcodes RV..), organisations,
.example domains, phone numbers from the ranges set aside for drama."""
import argparse, base64, csv, html, os, quopri, random, re, textwrap, unicodedata
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime, formataddr

# ---------------------------------------------------------------- people

FIRST_EN = ("James Sarah David Emma John Mary Michael Laura Mohammed Aisha Daniel Sophie "
            "Peter Ruth Thomas Grace Paul Helen Robert Chloe Andrew Priya Mark Fatima Chris Hannah Simon "
            "Olivia Ian Megan Gareth Siân Rhys Zoë Renée Kwame Adebayo Ngozi Wei Mei Hiroshi Yusuf Amir "
            "Leila Tomasz Łukasz Agnieszka Ana Carlos Niamh Declan Fiona Callum Isla Rosa Stanley Doreen "
            "Eileen Derek Brian Josephine Kofi Imran Bilal Sunita Raj Deepa Harpreet Joanna Nicola Gemma "
            "Kieran Liam Owen Bethan Alys Mateusz Ewa Kateryna Olena Dmitri Nadia Samira Omar Hassan Chidi "
            "Maureen Graham Trevor Shirley Lorraine Sean Aoife Bronwen Dafydd Marek Ingrid Björn").split()
LAST_EN = ("Abbott Ahmed Ashworth Bailey Banerjee Barnes Bell Bennett Bhatt Booth Boyle Brennan Brooks "
           "Campbell Carter Chandler Chen Clarke Coleman Cooper Dale Davies Dawson Dixon Doyle Edwards Ellis "
           "Evans Fairbairn Farrell Fletcher Foster Gallagher Gill Gordon Graham Griffiths Haddad Hale Hall "
           "Harper Hughes Hussain Iqbal Jackson James Jenkins Johnson Jones Kaur Kelly Khan Kowalski Lewis "
           "Lloyd Lynch Malik Marsh Mbeki McAllister Mensah Mitchell Morgan Murphy Nowak Nwosu Okafor "
           "O'Brien O'Neill Osei Owen Parry Patel Pearson Price Pritchard Quinn Rahman Reid Richards Roberts "
           "Robinson Rossi Shah Sharma Singh Stewart Sullivan Taylor Thomas Turner Walsh Ward Watkins White "
           "Williams Wilson Wood Wright Yates Young Zielinski Nyström").split() + ["Ó Súilleabháin"]
FIRST_FR = ("Amélie Benoît Chantal Élodie François Geneviève Hélène Jérôme Léa Mathieu Nathalie Océane "
            "Pierre Sébastien Thérèse Yves Claire Luc Monique Denis Sylvie Marc Josée Réjean").split()
LAST_FR = ("Beaulieu Côté Desrosiers Gagnon Lefebvre Marchand Ouellet Pelletier Roy Thibault Vachon "
           "Laroche Bélanger Fournier Gauthier Lévesque Morin Tremblay Boucher Caron").split()
FIRST_ES = "Alejandro Beatriz Carmen Diego Elena Fernando Guadalupe Javier Lucía Marta Nicolás Pilar Raúl Sofía Inés Tomás".split()
LAST_ES = "García Hernández López Martínez Morales Núñez Ortega Pérez Ramírez Sánchez Torres Vázquez Castillo Romero".split()
STREETS = ["Mill Lane", "Station Road", "Alder Close", "Maple Avenue", "Chapel Row", "Quarry Hill", "Brook Street",
           "Orchard Way", "Victoria Terrace", "Hollin Lane", "Church Walk", "Ferry Road", "Weavers Court",
           "Kingfisher Drive", "Rowan Crescent", "Market Street", "Park View", "Willow Gardens", "Canal Side",
           "Beacon Road", "Elm Grove", "Foundry Lane", "Tanners Yard", "Heather Bank", "calle Molino"]
DISTRICTS = ["Eastbank", "Hollin", "Northgate", "Southbank", "Copse End", "Westmoor", "Old Town", "Kingsway"]
DOMAINS = ["mail.example", "post.example", "inbox.example", "example.net", "example.org", "example.com",
           "webmail.example", "riverside-broadband.example", "homemail.example", "freemail.example"]
PC_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre"]
MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def ascii_fold(s):
    return unicodedata.normalize("NFKD", s).replace("ł", "l").replace("Ł", "L").encode("ascii", "ignore").decode()


class People:
    """Made-up people with unique addresses; some are picked again."""

    def __init__(self, rng):
        self.rng, self.emails, self.pool = rng, {}, {"en": [], "fr": [], "es": []}
        self.first_w = [4 if i < 14 else 1 for i in range(len(FIRST_EN))]

    def new(self, lang="en"):
        rng = self.rng
        if lang == "fr":
            first, last = rng.choice(FIRST_FR), rng.choice(LAST_FR)
        elif lang == "es":
            first, last = rng.choice(FIRST_ES), rng.choice(LAST_ES)
        else:
            first, last = rng.choices(FIRST_EN, self.first_w)[0], rng.choice(LAST_EN)
        f, l = ascii_fold(first).lower(), re.sub(r"[^a-z]", "", ascii_fold(last).lower())
        forms = [f"{f}.{l}", f"{f[0]}{l}", f"{f}{l}", f"{f}_{l}", f"{l}.{f}", f"{f}{rng.randint(1, 99)}",
                 f"{f}.{l}{rng.randint(50, 99)}", f"{f[0]}.{l}{rng.randint(1, 9)}"]
        local, dom = rng.choice(forms), rng.choice(DOMAINS)
        while f"{local}@{dom}" in self.emails:
            local += str(rng.randint(0, 9))
        email = f"{local}@{dom}"
        street = rng.choice(STREETS) if lang == "es" else rng.choice(STREETS[:-1])
        num = rng.randint(1, 240)
        line1 = rng.choice([f"{num} {street}", f"{num} {street}", f"Flat {rng.randint(1, 30)}, {num} {street}"])
        pc = f"RV{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(PC_LETTERS)}{rng.choice(PC_LETTERS)}"
        name = f"{first} {last}" if rng.random() > 0.06 else f"{first[0]}. {last}"
        p = dict(first=first, last=last, name=name, email=email, addr=[line1, f"{rng.choice(DISTRICTS)}, Riverside", pc],
                 phone=f"07700 900{rng.randint(0, 999):03d}", lang=lang)
        self.emails[email] = p
        self.pool[lang].append(p)
        return p

    def pick(self, lang="en", reuse=0.0, avoid=None):
        pool = self.pool[lang]
        if pool and self.rng.random() < reuse:
            p = self.rng.choice(pool)
            if avoid is None or p["email"] not in avoid:
                return p
        return self.new(lang)


def sign_block(rng, p, signoff, dash=False):
    lines = [signoff] if signoff else []
    lines.append(p["name"] if rng.random() > 0.15 else p["first"])
    if dash:
        lines.append("-- ")
    r = rng.random()
    if r < 0.55:
        lines += p["addr"]
    elif r < 0.75:
        lines.append(", ".join(p["addr"]))
    elif r < 0.88:
        lines += [p["addr"][0], p["addr"][2]]
    elif r < 0.94:
        lines.append(p["addr"][2])
    if rng.random() < 0.12:
        lines.append(rng.choice(["Tel: ", "Mobile: ", "", "Phone "]) + p["phone"])
    return lines


GREET = {"en": ["Dear Ms Rivera,", "Dear Councillor Rivera,", "Hi Maria,", "Hello,", "Dear Maria Rivera,", "Dear Cllr Rivera,",
                "Dear Maria,", "Good morning,", "Dear Councillor,", None],
         "fr": ["Madame la Conseillère,", "Bonjour Madame Rivera,", "Chère Madame Rivera,", "Madame,", "Bonjour,", None],
         "es": ["Estimada concejala Rivera:", "Estimada Sra. Rivera:", "Hola, María:", "Buenos días:", None]}
SIGNOFF = {"en": ["Yours sincerely,", "Kind regards,", "Thanks,", "Best wishes,", "Regards,", "Many thanks,", "Yours faithfully,", None],
           "fr": ["Cordialement,", "Bien à vous,", "Veuillez agréer, Madame, mes salutations distinguées.", "Merci,", None],
           "es": ["Atentamente,", "Un saludo,", "Saludos cordiales,", "Gracias,", None]}

# ---------------------------------------------------------------- campaigns

CAMPAIGNS = [
    dict(lang="en", org="savethe14.example", subject="Save the 14 bus route",
         own=["Please save the 14", "Bus route 14", "Don't cut the 14!", "Number 14 bus cuts", "The 14 bus", "Bus cuts in Eastbank"],
         paras=["I am writing to ask you to oppose the proposal by Riverside Transit to withdraw the number 14 bus service between Eastbank and the town centre from January.",
                ("The 14 is the only public transport link for thousands of people in Eastbank, Hollin and Northgate. Many of us do not drive, and for older residents, disabled people and young people the 14 is how we get to work, to school, to the shops and to our medical appointments.",
                 "For many households in Eastbank, Hollin and Northgate the 14 is the only way to get anywhere. People who cannot drive, including pensioners, disabled residents and students, rely on it every single day to reach jobs, college, the supermarket and the hospital."),
                "The consultation ran for only three weeks and most passengers did not know it was happening. The replacement ‘demand responsive’ minibus has to be booked a day in advance and would not run in the evenings or on Sundays.",
                "Cutting the route would leave whole streets isolated, push more cars onto already congested roads and undermine the council’s own climate commitments. Please speak to Riverside Transit and the transport committee, ask for the decision to be paused, and support a proper consultation with the people who actually use the service."]),
    dict(lang="en", org="keepward7.example", subject="Keep Ward 7 open at Riverside General",
         own=["Ward 7", "Hospital ward closure", "Please keep Ward 7 open", "Riverside General", "Elderly care ward"],
         paras=["I am deeply concerned about the plan to close Ward 7, the elderly care ward at Riverside General Hospital, and move its 28 beds to Kingsmere, more than forty minutes away by car.",
                "Ward 7 has an outstanding reputation. Its nurses and therapists know their patients, and families are able to visit every day, which makes a real difference to recovery. Sending frail older people miles away from home will make them more isolated and will put huge pressure on relatives who do not drive.",
                "The health board says the move will save money, but it has published no evidence about the effect on patients, on ambulance journeys or on the already long waits in our emergency department. Local GPs and the Ward 7 staff themselves have not been properly consulted.",
                "I am asking you to make representations to the health board on behalf of our community, to call for the full impact assessment to be published, and to support the campaign to keep Ward 7 open at Riverside General."]),
    dict(lang="en", org="hollinridge.example", subject="Objection to planning application 26/0419/MIN (Hollin Ridge quarry)",
         own=["Hollin Ridge quarry", "Quarry objection", "Planning application 26/0419/MIN", "NO to the quarry"],
         footer="This message was sent by a constituent using the WriteNow campaign tool (writenow.example). Replies go directly to the sender.",
         paras=["I wish to register my objection to planning application 26/0419/MIN for a new sand and gravel quarry at Hollin Ridge, and I ask you as my councillor to oppose it when it comes before the planning committee.",
                ("The site lies next to the Hollin Brook nature reserve and the ancient woodland at Copse End. Twenty years of extraction would destroy habitats for otters, barn owls and rare orchids, and the dust and noise would affect hundreds of homes in Hollin village.",
                 "Hollin Ridge borders the Hollin Brook nature reserve and the ancient Copse End woodland. Two decades of digging would wipe out habitat for otters, barn owls and rare orchids, while noise and dust would blight hundreds of homes in the village."),
                "The applicant expects up to 120 lorry movements a day on the B6270, a narrow road with no pavement that children use to walk to Hollin Primary School.",
                "There is no demonstrated need for another quarry in the county, and the restoration plan is vague and unfunded. Please oppose this application."]),
    dict(lang="fr", org="santeenfrancais.example", subject="Maintien des services en français au Centre de santé",
         own=["Services en français", "Centre de santé de Riverside", "Pour nos aînés francophones"],
         paras=["Je vous écris pour vous demander de défendre le maintien des services en français au Centre de santé communautaire de Riverside.",
                "Depuis le mois de septembre, l'accueil, la prise de rendez-vous et la ligne d'information ne sont plus offerts qu'en anglais. Pour de nombreuses personnes âgées de notre communauté, qui ont toujours vécu en français, il est devenu très difficile d'expliquer leurs symptômes ou de comprendre les consignes de leur médecin.",
                "La santé est un domaine où chaque mot compte. Un malentendu peut avoir des conséquences graves, et personne ne devrait avoir à choisir entre se faire soigner et se faire comprendre.",
                "Nous vous demandons d'intervenir auprès de la direction du Centre et de l'autorité régionale de santé afin que le poste d'agent bilingue soit rétabli et que les services en français soient garantis à l'avenir."]),
    dict(lang="en", org="endliveexports.example", subject="Please support the Animal Welfare (Live Export) Bill",
         own=["Live exports", "Animal welfare bill", "Please vote for the animals"],
         footer="This message was sent by a constituent using the WriteNow campaign tool (writenow.example). Replies go directly to the sender.",
         paras=["As your constituent I am asking you to support the Animal Welfare (Live Export and Transport) Bill when it comes to a vote next month.",
                "Every year thousands of sheep and calves are transported for days in crowded trucks, often in extreme heat, without enough water, food or rest. Many arrive injured or exhausted and some do not survive the journey.",
                "The bill would end the export of live animals for slaughter and fattening, set a maximum journey time of eight hours, and require CCTV in all slaughterhouses. These are sensible, widely supported measures.",
                "Please let me know whether you will vote for the bill."]),
    dict(lang="en", org="climatenaturebill.example", subject="Vote for the Climate and Nature Bill",
         own=["Climate and Nature Bill", "Climate bill - please vote for it", "Second reading on 4 December"],
         paras=["I’m writing to urge you to back the Climate and Nature Bill at its second reading on 4 December.",
                "The science is clear: we need to cut emissions much faster than current plans allow and reverse the loss of nature that has left this one of the most nature-depleted regions in the world. The bill would make those goals legally binding and would require the government to set out a single joined-up strategy for meeting them.",
                ("Crucially, it would also create a citizens’ assembly so that ordinary people have a say in how we get there. Climate action has to be fair, and the people who will live with the consequences of these decisions deserve a voice in making them.",
                 "Just as importantly, the bill sets up a citizens’ assembly, giving ordinary people a real say in how the transition happens. The changes ahead have to be fair, and those of us who will live with them should help to shape them."),
                "Here in Riverside we have already seen what is at stake: the flooding along the river in 2024, the hosepipe bans the summer after, and the steady decline of the birds and insects that many of us remember from childhood.",
                "Local councils cannot solve this alone. We need national law that sets out a clear plan. Please pledge to vote for the Climate and Nature Bill and tell me what you will do to support it."]),
    dict(lang="en", org="eastbanklibrary.example", subject="Keep Eastbank Library open",
         own=["Eastbank Library", "Library closure", "Save our library"],
         paras=["I was shocked to hear that Eastbank Library is on the list of buildings the council proposes to close in next year's budget.",
                "The library is far more than a room full of books. It runs the rhyme-time sessions for toddlers, the homework club, free computer access for people applying for jobs and benefits, and the Tuesday coffee morning that is a lifeline for lonely older residents.",
                "Closing it would save very little money and cost our community a great deal. Please vote against the closure and look at alternatives such as sharing the building with other services."]),
    dict(lang="es", org="callemolino.example", subject="Paso de peatones seguro en la calle Molino",
         own=["Calle Molino", "Seguridad vial frente a la escuela"],
         paras=["Le escribimos como vecinos y familias del barrio de Northgate para pedirle un paso de peatones seguro en la calle Molino, frente a la escuela primaria San Martín.",
                "Cada mañana cientos de niños cruzan esa calle entre coches que circulan demasiado rápido. El mes pasado un niño de ocho años fue atropellado y todavía hoy tenemos miedo.",
                "Le pedimos que presente esta petición al departamento de tráfico del ayuntamiento y que apoye la instalación de un semáforo y de reductores de velocidad antes de que ocurra otra desgracia."]),
]

SYN = {"en": {"urge": "ask", "ask": "urge", "deeply": "very", "huge": "enormous", "oppose": "fight", "support": "back",
              "back": "support", "shocked": "appalled", "many": "lots of", "concerned": "worried", "proposal": "plan",
              "plan": "proposal", "clear": "obvious", "sensible": "reasonable", "community": "area", "residents": "people",
              "every": "each", "isolated": "cut off", "outstanding": "excellent", "frail": "vulnerable", "destroy": "ruin",
              "vague": "unclear", "crowded": "cramped", "far": "much", "lonely": "isolated", "little": "hardly any"},
       "fr": {"très": "vraiment", "difficile": "compliqué", "graves": "sérieuses", "demandons": "prions", "rétabli": "recréé"},
       "es": {"cientos": "muchos", "demasiado": "muy", "pedimos": "rogamos", "miedo": "mucho miedo"}}
FILLERS = {"en": ["really", "also", "very", "absolutely", "genuinely", "simply", "just", "now"],
           "fr": ["vraiment", "aussi", "déjà", "tellement"], "es": ["también", "realmente", "ya", "muy"]}


def edit_paragraphs(rng, paras, lang):
    """Small edits people make: 1-3 word changes, now and then a dropped sentence."""
    paras = list(paras)
    if rng.random() < 0.45:
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(len(paras))
            words = paras[k].split(" ")
            op = rng.random()
            if op < 0.45:
                cands = [i for i, w in enumerate(words) if w.lower().strip(",.;:") in SYN[lang]]
                if cands:
                    i = rng.choice(cands)
                    core = words[i].strip(",.;:")
                    rep = SYN[lang][core.lower()]
                    words[i] = words[i].replace(core, rep.capitalize() if core[0].isupper() else rep)
                    paras[k] = " ".join(words)
                    continue
            if op < 0.75 and len(words) > 8:
                i = rng.randrange(1, len(words) - 1)
                if not re.search(r"[.,;:]$", words[i]):
                    del words[i]
            else:
                words.insert(rng.randrange(1, len(words)), rng.choice(FILLERS[lang]))
            paras[k] = " ".join(words)
    if rng.random() < 0.04:
        multi = [k for k, p in enumerate(paras) if len(re.split(r"(?<=[.!?])\s+", p)) > 1]
        if multi:
            k = rng.choice(multi)
            sents = re.split(r"(?<=[.!?])\s+", paras[k])
            del sents[rng.randrange(len(sents))]
            paras[k] = " ".join(sents)
    r = rng.random()
    if r < 0.3:
        paras = [p.translate(str.maketrans("‘’“”", "''\"\"")) for p in paras]
    elif r < 0.4 and lang == "en":
        paras = [p.replace("'", "’") for p in paras]
    return paras

# ---------------------------------------------------------------- additions

WHO = [("I", "have", "am", "my", "me", "I"), ("my mother", "has", "is", "her", "her", "she"),
       ("my father", "has", "is", "his", "him", "he"), ("my husband", "has", "is", "his", "him", "he"),
       ("my wife", "has", "is", "her", "her", "she"), ("my son", "has", "is", "his", "him", "he"),
       ("my daughter", "has", "is", "her", "her", "she"), ("my sister", "has", "is", "her", "her", "she"),
       ("my elderly neighbour", "has", "is", "her", "her", "she"), ("my brother", "has", "is", "his", "him", "he"),
       ("my grandmother", "has", "is", "her", "her", "she")]
CASE_SIT = [
    "{S} {HAS} had {POSS} Universal Credit stopped since {month} after a letter about an appointment went to the wrong address.",
    "{SPc} disability benefit was cut off {weeks} weeks ago and nobody at the benefits office will say why.",
    "{S} {HAS} been waiting {weeks} weeks for a decision on {POSS} PIP reassessment and the payments have stopped in the meantime.",
    "{S} applied for a spouse visa in {month} and {HAS} heard nothing from the Home Office since.",
    "{SPc} visa extension has been stuck for {months} months, so {PRON} cannot travel to see family abroad.",
    "{S} {HAS} been living with damp and black mould in the back bedroom for {months} months.",
    "The housing association still has not fixed the leaking roof at {SP} flat despite {n} complaints.",
    "{S} {HAS} been on the waiting list for a hip replacement for {months} months and {IS} now in constant pain.",
    "{S} {IS} still waiting for a cardiology appointment that was marked urgent back in {month}.",
    "{S} applied to renew {POSS} passport in {month} and it still has not arrived, with a flight booked for {date}.",
    "{SPc} state pension has been underpaid since {month}, according to a letter that only arrived last week.",
    "{SPc} care package was cut from four visits a day to two without any assessment.",
    "The council flat {S} {IS} renting has had no working heating since {month}.",
    "{S} {HAS} been sent a council tax bill for a house {PRON} moved out of {months} months ago, and now bailiffs are writing.",
    "{S} {HAS} been told {PRON} will lose {POSS} tenancy in {weeks} weeks and the council says there is nothing on offer.",
    "{SPc} ESA was stopped after a medical assessment that lasted ten minutes, and the appeal has been waiting since {month}.",
]
CASE_MORE = ["I have phoned {n} times and nobody has called back.", "The reference number is {ref}.",
             "We have sent every document they asked for, some of them twice.", "It is affecting {POSS} health and we are falling behind on bills.",
             "The last letter said it could take another {weeks} weeks.", "{PRONc} {IS} {age} and cannot keep chasing this alone.",
             "I wrote to them on {date_past} and have had no reply.", "Nobody seems to know who is responsible.",
             "The helpline just cuts off after an hour on hold.", "We have had to borrow money from friends to get by."]
CASE_ASK = ["Can you help?", "Is there anything your office can do?", "Could someone from your office contact me about this?",
            "Would you be able to raise this with them?", "Who should I contact?", "Please could you look into it for us.",
            "I would be very grateful for any help you can give.", "Can your caseworkers take this up?"]
CASE_FR = (["Ma mère attend une opération de la hanche depuis {months} mois et elle souffre tous les jours.",
            "Mon allocation de logement a été suspendue en {month_fr} et personne ne m'explique pourquoi.",
            "Notre appartement est humide depuis {months} mois et le propriétaire ne fait rien malgré {n} plaintes.",
            "Mon fils attend son passeport depuis {weeks} semaines alors que nous partons le {date}.",
            "Mon mari a perdu sa pension d'invalidité après une erreur administrative en {month_fr}.",
            "La demande de résidence de ma femme est bloquée depuis {months} mois."],
           ["J'ai appelé {n} fois sans obtenir de réponse.", "Le numéro de dossier est {ref}.",
            "Nous avons déjà envoyé tous les documents demandés.", "La situation devient vraiment difficile pour notre famille."],
           ["Pouvez-vous m'aider ?", "Votre bureau pourrait-il me contacter à ce sujet ?", "Pourriez-vous intervenir auprès du service concerné ?",
            "Que puis-je faire ?"])
CASE_ES = (["Mi madre lleva {months} meses esperando una operación de cadera y tiene dolores constantes.",
            "Me suspendieron la ayuda para el alquiler en {month_es} y nadie me explica por qué.",
            "Nuestro piso tiene humedad desde hace {months} meses y el casero no hace nada.",
            "Mi hijo espera su pasaporte desde hace {weeks} semanas y viajamos el {date}.",
            "El permiso de residencia de mi marido lleva {months} meses bloqueado."],
           ["He llamado {n} veces sin respuesta.", "El número de expediente es {ref}.", "Ya enviamos todos los documentos que pidieron."],
           ["¿Puede ayudarme?", "¿Podría alguien de su oficina llamarme?", "¿Qué puedo hacer?"])
OPINION = {"en": (["I feel very strongly about this", "This matters a great deal to me", "I care deeply about this issue",
                   "This is really important to our family", "Honestly, this is the issue that worries me most at the moment",
                   "I don't usually write to politicians but this one matters", "I have signed this because I believe every word of it",
                   "This affects the whole street", "I agree with every word of this letter"],
                  [" and so do my neighbours.", ", as does everyone I have spoken to.", " and I know I am not alone.", ".",
                   " and I hope you will listen.", " and my family agrees.", " - people round here are really angry."],
                  ["", "", "Please do the right thing.", "I will be watching how you vote.",
                   "I have lived in Riverside for {years} years and never written to a councillor before.",
                   "Thank you for reading this.", "We are counting on you.", "I voted for you last time."]),
           "fr": (["Ce sujet me tient vraiment à cœur", "C'est très important pour ma famille", "Je suis entièrement d'accord avec cette lettre",
                   "Toute notre rue est concernée"], [" et mes voisins pensent la même chose.", ".", ", comme beaucoup de gens ici."],
                  ["", "Merci de nous écouter.", "Nous comptons sur vous."]),
           "es": (["Este tema nos preocupa muchísimo", "Es algo muy importante para todo el barrio", "Estoy de acuerdo con cada palabra"],
                  [".", " y mis vecinos piensan lo mismo.", ", como todas las familias de la zona."],
                  ["", "Gracias por escucharnos.", "Contamos con usted."])}


def slots(rng):
    who = rng.choice(WHO)
    return dict(S=who[0], HAS=who[1], IS=who[2], POSS=who[3], OBJ=who[4], PRON=who[5], PRONc=who[5].capitalize(),
                POSSc=who[3].capitalize(), SP="my" if who[0] == "I" else who[0] + "'s",
                SPc="My" if who[0] == "I" else cap(who[0]) + "'s", month=rng.choice(MONTHS), month_fr=rng.choice(MONTHS_FR),
                month_es=rng.choice(MONTHS_ES), weeks=rng.randint(3, 20), months=rng.randint(2, 18), n=rng.randint(3, 12),
                ref=rng.choice(["RV", "HO", "CT", "UC", "HB"]) + f"-{rng.randint(10000, 99999)}", age=rng.randint(64, 93),
                date=f"{rng.randint(1, 28)} {rng.choice(['December', 'January', 'February'])}", years=rng.randint(3, 45),
                date_past=f"{rng.randint(1, 28)} {rng.choice(MONTHS)}")


def cap(s):
    return s[0].upper() + s[1:]


def addition_text(rng, lang, kind):
    for _ in range(50):
        s = slots(rng)
        if kind == "opinion":
            a, b, c = OPINION[lang]
            sents = [rng.choice(a) + rng.choice(b), rng.choice(c)]
            lo, hi = 8, 30
        else:
            if lang == "en":
                sents = [rng.choice(CASE_SIT)] + rng.sample(CASE_MORE, rng.choice([0, 1, 1, 2, 2]))
                if rng.random() < 0.85:
                    sents.append(rng.choice(CASE_ASK))
            else:
                sit, more, ask = CASE_FR if lang == "fr" else CASE_ES
                sents = [rng.choice(sit)] + rng.sample(more, rng.choice([0, 1, 2])) + [rng.choice(ask)]
            lo, hi = 15, 80
        text = " ".join(cap(x.format(**s)) for x in sents if x)
        if lo <= len(text.split()) <= hi:
            return text
    return text


# ---------------------------------------------------------------- rendering


def render_plain(doc, width):
    out = []
    for kind, val in doc:
        if kind == "p":
            lines = textwrap.wrap(val, width, break_long_words=False, break_on_hyphens=False) if width else [val]
        elif kind == "lines":
            lines = list(val)
        else:  # quote
            inner = render_plain(val, width - 2 if width else None).rstrip("\n").split("\n")
            lines = [("> " + l) if l else ">" for l in inner]
        out += lines + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_html(rng, doc, style, refs):
    def esc(s):
        s = html.escape(s, quote=False)
        return s.encode("ascii", "xmlcharrefreplace").decode() if refs else s

    def inner(doc):
        parts = []
        for kind, val in doc:
            if kind == "quote":
                parts.append('<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">'
                             + inner(val) + "</blockquote>")
                continue
            text = esc(val) if kind == "p" else "<br>".join(esc(l) for l in val)
            if style == "div":
                parts.append(f"<div>{text}</div><div><br></div>")
            elif style == "mso":
                parts.append(f'<p class="MsoNormal">{text}<o:p></o:p></p>\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
            else:
                parts.append(f"<p>{text}</p>")
        return "\n".join(parts)
    body = inner(doc)
    if style == "div":
        body = f'<div dir="ltr">{body}</div>'
    return ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=CHARSET\"></head>\n"
            f"<body>\n{body}\n</body></html>\n")


def leaf(ctype, text, charset, cte, extra=""):
    data = text.encode(charset)
    if cte in ("7bit", "8bit"):
        cte = "7bit" if data.isascii() else "8bit"
        if max(len(l) for l in data.split(b"\n")) > 900:
            cte = "quoted-printable"
    if cte == "quoted-printable":
        body = quopri.encodestring(data)
    elif cte == "base64":
        body = base64.encodebytes(data)
    else:
        body = data
    return [f'Content-Type: {ctype}; charset="{charset}"{extra}', f"Content-Transfer-Encoding: {cte}"], body


def multipart(sub, parts, boundary, preamble):
    body = b"This is a multi-part message in MIME format.\n" if preamble else b""
    for h, b in parts:
        body += b"\n--" + boundary.encode() + b"\n" + "\n".join(h).encode() + b"\n\n" + b
        if not b.endswith(b"\n"):
            body += b"\n"
    body += b"\n--" + boundary.encode() + b"--\n"
    return [f'Content-Type: multipart/{sub}; boundary="{boundary}"'], body


def pick_charset(rng, texts, pref=None):
    want = pref or rng.choices(["utf-8", "iso-8859-1", "windows-1252"], [6, 2, 2])[0]
    try:
        for t in texts:
            t.encode(want)
        return want
    except UnicodeEncodeError:
        return "utf-8"


def body_for(rng, doc, mime=None, width=-1, html_style=None):
    """Content headers and body bytes for a document, in a random MIME shape."""
    mime = mime or rng.choices(["plain", "alt", "html"], [55, 30, 15])[0]
    if width == -1:
        width = None if rng.random() < 0.3 else rng.randint(55, 78)
    cte = rng.choices(["8bit", "quoted-printable", "base64"], [60, 25, 15])[0]
    style = html_style or rng.choice(["p", "p", "div", "mso"])
    plain = render_plain(doc, width)
    refs = rng.random() < 0.2
    hbody = render_html(rng, doc, style, refs) if mime != "plain" else ""
    charset = pick_charset(rng, [plain, hbody])
    hbody = hbody.replace("CHARSET", charset)
    if mime == "plain":
        return leaf("text/plain", plain, charset, cte)
    hpart = leaf("text/html", hbody, charset, rng.choice([cte, "quoted-printable"]))
    if mime == "html":
        return hpart
    ppart = leaf("text/plain", render_plain(doc, None) if rng.random() < 0.5 else plain, charset, cte)
    return multipart("alternative", [ppart, hpart], f"=_alt_{rng.getrandbits(48):012x}", rng.random() < 0.5)


def hdr_text(s, charset="utf-8"):
    return s if s.isascii() else Header(s, charset).encode()


def addr(name, email):
    return formataddr((name, email), charset="utf-8")


UA = [None, None, None, "X-Mailer: Apple Mail (2.3776.700.51)", "User-Agent: Mozilla Thunderbird 128.4.2",
      "X-Mailer: Microsoft Outlook 16.0", "X-Mailer: iPhone Mail (22B91)", "User-Agent: Roundcube Webmail/1.6.9"]
TO = ["Cllr Maria Rivera <maria.rivera@council.riverside.example>", "office@riverside.example",
      "Maria Rivera <maria.rivera@council.riverside.example>", "casework@riverside.example"]


def msg(rng, frm, subject, content, extra=()):
    h = [f"From: {frm}", f"To: {rng.choice(TO)}", f"Subject: {hdr_text(subject)}"]
    ua = rng.choice(UA)
    return dict(headers=h + list(extra) + ([ua] if ua else []), content=content)

# ---------------------------------------------------------------- campaign copies

SEE_BELOW = {"en": ["See below.", "See below", "Please see below.", "Please read below.", "FYI - see below.",
                    "Sending this on, see below.", "Forwarding this to you as promised."],
             "fr": ["Voir ci-dessous.", "Je vous transmets ce message."], "es": ["Ver abajo.", "Le reenvío este mensaje."]}


def campaign_copy(rng, ci, camp, p, addition):
    lang = camp["lang"]
    paras = [rng.choice(x) if isinstance(x, tuple) else x for x in camp["paras"]]
    paras = edit_paragraphs(rng, paras, lang)
    greet = rng.choice(GREET[lang])
    sig = sign_block(rng, p, rng.choice(SIGNOFF[lang]))
    add = addition_text(rng, lang, addition) if addition != "none" else None
    quoted = rng.random() < 0.06
    before = add and (quoted or rng.random() < 0.45)
    letter = ([("lines", [greet])] if greet else []) + ([("p", add)] if add and not quoted and before else [])
    letter += [("p", t) for t in paras] + ([("p", add)] if add and not before else [])
    letter.append(("lines", sig))
    if camp.get("footer") and rng.random() < 0.7:
        letter.append(("lines", ["--", camp["footer"]]))
    subject, extra = camp["subject"], []
    r = rng.random()
    if quoted:
        pre = ([("lines", [rng.choice(GREET[lang][:4])])] if rng.random() < 0.4 else []) + ([("p", add)] if add else [])
        when = format_datetime(datetime(2026, 11, rng.randint(19, 21), rng.randint(7, 22), rng.randint(0, 59)))
        attrib = rng.choice([f"On {when}, {p['name']} <{p['email']}> wrote:", "-----Original Message-----",
                             f"---------- Forwarded message ---------\nFrom: {p['name']} <{p['email']}>\nDate: {when}\nSubject: {subject}"])
        letter = pre + [("lines", [rng.choice(SEE_BELOW[lang])]), ("lines", attrib.split("\n")), ("quote", letter)]
        subject = rng.choice(["Fwd: ", "FW: ", "Fw: "]) + subject
    elif r < 0.12:
        subject = rng.choice(camp["own"])
    elif r < 0.2:
        subject = "Re: " + subject
        if rng.random() < 0.5:
            extra.append(f"In-Reply-To: <action-{rng.randint(1, 4)}@{camp['org']}>")
    elif r < 0.24:
        subject = f"Message from {p['name']}: {subject}"
    return msg(rng, addr(p["name"], p["email"]), subject, body_for(rng, letter), extra)

# ---------------------------------------------------------------- individual casework

TOPICS = [
    dict(subj=["Damp and mould in my flat", "Housing repairs - urgent", "Mould in children's bedroom"],
         open=["I am writing because my flat on {street} has had damp and black mould for {months} months.",
               "We rent from {landlord} and the mould in the children's bedroom keeps coming back.",
               "I need help getting {landlord} to deal with the damp in our home."],
         det=["An inspector came in {month} and said the extractor fan was broken, but nobody has come to fix it.",
              "My youngest has asthma and the doctor has written a letter saying the damp is making it worse.",
              "We have thrown away a sofa, two mattresses and most of the children's clothes because of the mould.",
              "I have logged {n} repair requests online and each one is closed without any work being done.",
              "The window frames are rotten and water comes in whenever it rains hard.",
              "The contractor who came last time just painted over the mould and it was back within a fortnight."]),
    dict(subj=["Universal Credit stopped", "Benefits problem", "UC payment missing"],
         open=["My Universal Credit payment did not arrive this month and I have no idea why.",
               "I am writing about my Universal Credit, which was stopped on {date_past}.",
               "I have been sanctioned for missing an appointment I was never told about."],
         det=["The journal just says my claim is being reviewed and nobody answers my messages.",
              "I have two children and no other income, and the food bank can only help for so long.",
              "When I finally got through on the phone I was told to wait another {weeks} weeks.",
              "My work coach has changed three times this year and each one tells me something different.",
              "The letter about the appointment was sent to my old address even though I updated it in {month}.",
              "I am now behind on rent and have had a warning letter from the landlord."]),
    dict(subj=["PIP assessment", "Disability benefit appeal", "PIP decision"],
         open=["I was awarded zero points at my PIP assessment in {month} despite my condition getting worse.",
               "I am writing on behalf of {rel}, whose disability benefit was removed after a reassessment.",
               "I asked for a mandatory reconsideration of my PIP decision {weeks} weeks ago and have heard nothing."],
         det=["The assessor wrote that I walked to the room unaided, but my husband was holding my arm the whole time.",
              "The report does not mention my consultant's letter at all.",
              "Without the mobility component we will lose the adapted car we depend on.",
              "I have multiple sclerosis and some days I cannot get out of bed.",
              "The tribunal waiting time is now said to be over a year.",
              "A welfare rights adviser at {venue} has said the decision looks wrong but they cannot take on new cases."]),
    dict(subj=["Passport application delay", "Passport not arrived", "Urgent - passport"],
         open=["I applied to renew my passport on {date_past} and it still has not arrived.",
               "My daughter's first passport application has been 'in progress' for {weeks} weeks.",
               "I need help with a passport application that seems to have been lost."],
         det=["We are due to fly to {place_abroad} on {date_future} for a family wedding.",
              "The tracking page has said the same thing for a month.",
              "I sent the old passport and the birth certificate by recorded delivery and both were signed for.",
              "The advice line told me to wait, but the flight is non-refundable.",
              "I have been asked for a countersignature twice even though I sent it the first time.",
              "My father abroad is unwell and I may need to travel at short notice."]),
    dict(subj=["Visa application delay", "Home Office - no decision", "Immigration query"],
         open=["My wife applied for a spouse visa in {month} and we have not had a decision.",
               "I have been waiting {months} months for the Home Office to decide my application for leave to remain.",
               "I am writing about my brother's visa, which has been stuck for a long time."],
         det=["Because my biometric card has expired my employer has said I cannot work until I have proof of status.",
              "We have paid for the priority service and still heard nothing.",
              "Our solicitor has written twice and only received an automatic reply.",
              "Our baby was born in {month} and her mother has still not been able to join us.",
              "I have lived and worked here for {years} years and paid tax all that time.",
              "The online account says 'awaiting decision' and gives no date."]),
    dict(subj=["Hospital waiting list", "Waiting for an operation", "Appointment cancelled again"],
         open=["{relc} has been waiting {months} months for a knee operation at {hospital}.",
               "My operation at {hospital} has now been cancelled {n} times.",
               "I was referred urgently to a specialist in {month} and still have no appointment."],
         det=["The pain means I can no longer work and I am worried about losing my job.",
              "Each time the hospital rings the day before to cancel.",
              "The GP says there is nothing more they can do until the hospital sees me.",
              "The patient advice service said they would call back within five days; it has been three weeks.",
              "We were told the waiting list is 'about a year' but nobody can give a date.",
              "I am now taking so many painkillers that I cannot drive."]),
    dict(subj=["Cannot get a GP appointment", "GP surgery access", "Doctors surgery"],
         open=["It has become impossible to get an appointment at the {surgery}.",
               "I have rung the {surgery} at eight o'clock every morning this week and never got through.",
               "I want to raise the problems people on {street} are having with the {surgery}."],
         det=["By the time the call is answered all the appointments for the day have gone.",
              "The online booking system only ever shows appointments three weeks away.",
              "My elderly mother cannot use the app and has given up trying.",
              "The receptionist suggested going to the emergency department, which is ridiculous for a prescription review.",
              "We were told a new doctor would start in {month} but nobody has arrived.",
              "I have a long-term condition that needs regular blood tests and these keep being missed."]),
    dict(subj=["School place for my son", "No school place", "School admissions appeal"],
         open=["We moved to {district} in {month} and my son still does not have a school place.",
               "My daughter has been refused a place at {school}, the only school within walking distance.",
               "I am writing about school transport for my son, which the council has withdrawn."],
         det=["The nearest school with a space is two buses away and he would have to leave at seven.",
              "We have appealed but the hearing is not until {date_future}.",
              "He has now missed {weeks} weeks of school and is falling behind.",
              "The admissions team keeps telling me to check the website.",
              "Her older brother is already at the school, so I do not understand how she was refused.",
              "I work early shifts and cannot take him myself."]),
    dict(subj=["Support for my son's special needs", "EHCP delay", "SEN support"],
         open=["My son is autistic and we applied for an education, health and care plan in {month}.",
               "I am writing because the council has missed every deadline for my daughter's EHC assessment.",
               "My child has been out of school since {month} because his needs are not being met."],
         det=["The legal deadline was twenty weeks and we are now at week {weeks2}.",
              "The school says it cannot do more without funding from the council.",
              "I have had to give up work to look after him at home.",
              "The educational psychologist report was finished months ago but nobody has acted on it.",
              "His anxiety has become so bad that he will not leave the house.",
              "Each time I ring the SEN team I speak to a different person."]),
    dict(subj=["Council tax bill", "Council tax - wrong bill", "Bailiffs letter"],
         open=["I have received a council tax bill for a property I left in {month}.",
               "The council has taken me to court over council tax I do not believe I owe.",
               "My council tax reduction was stopped without any explanation."],
         det=["I sent them my tenancy agreement and the new landlord's details, twice.",
              "Now I have had a letter from enforcement agents adding £{amount} in fees.",
              "I am on a low income and cannot pay this and my rent.",
              "The online form to dispute the bill gives an error every time.",
              "When I rang I was told the notes on my account do not show my calls.",
              "I have always paid on time and this has made me very anxious."]),
    dict(subj=["Noise and anti-social behaviour", "Problems with neighbours", "ASB on our street"],
         open=["I am writing about ongoing anti-social behaviour at a property on {street}.",
               "The neighbours above us play loud music until four in the morning most nights.",
               "For {months} months a group of young people has been gathering outside our building."],
         det=["We have reported it to the housing officer and to the police more than {n} times.",
              "My husband works nights and cannot sleep during the day.",
              "Someone set fire to the bins behind the flats last {day}.",
              "The council's noise team came once but it was quiet that evening.",
              "My children are frightened to walk home from school.",
              "The landlord says it is a police matter and the police say it is a housing matter."]),
    dict(subj=["Dangerous road outside the school", "Pothole on {street}", "Road safety"],
         open=["There is a pothole on {street} that has now been there for {months} months.",
               "I want to report how dangerous the junction of {street} and {street2} has become.",
               "Cars are parking on the pavement outside {school} every morning."],
         det=["A cyclist came off her bike there last week.",
              "I reported it online and was told it did not meet the criteria for repair.",
              "Parents with buggies have to walk in the road.",
              "The white lines have worn away completely.",
              "My car needed a new tyre after hitting it in the dark.",
              "There used to be a crossing patrol but it was withdrawn last year."]),
    dict(subj=["Missed bin collections", "Bins not emptied", "Recycling not collected"],
         open=["Our bins on {street} have not been collected for {n2} weeks.",
               "The recycling collection on our road is missed almost every fortnight.",
               "I am writing because my assisted bin collection keeps being forgotten."],
         det=["There are now bags piling up and we have seen rats.",
              "I use a wheelchair and cannot take the bin to the end of the road.",
              "Each time I report it I am told the crew will come back the next day, but they never do.",
              "The whole row of houses is affected, not just us.",
              "It is getting worse since the new rounds started in {month}.",
              "I am happy to pay for a garden waste bin but cannot even get the normal one emptied."]),
    dict(subj=["Parking permit", "Resident parking problem", "Blue badge"],
         open=["My application for a residents' parking permit on {street} was refused.",
               "I applied for a blue badge for {rel} in {month} and have heard nothing.",
               "I have been given a parking fine outside my own house."],
         det=["I have lived here for {years} years and my car is registered at this address.",
              "The permit website would not accept my proof of address.",
              "She cannot walk more than a few metres without help.",
              "I appealed the fine and the appeal was rejected without anyone reading my evidence.",
              "The sign on our road was removed during the roadworks and never put back.",
              "We were told the backlog for blue badges is now four months."]),
    dict(subj=["Pension problem", "State pension underpaid", "Pension credit"],
         open=["I think my state pension has been underpaid since I retired in {month}.",
               "I am writing on behalf of {rel}, whose pension credit claim has not been decided.",
               "My late husband's pension has still not been transferred to me."],
         det=["I worked for {years} years and my forecast said I would get more than I am receiving.",
              "The pension service says a letter is on its way, but nothing has come.",
              "Without pension credit she cannot get help with her heating costs either.",
              "I have sent the death certificate three times.",
              "I do not use the internet and every number I ring tells me to go online.",
              "I am {age} and this is the first time I have ever had to ask for help."]),
    dict(subj=["Care package for my mother", "Social care", "Carer support"],
         open=["I am writing about the care package for {rel}, who lives alone in {district}.",
               "Social services have reduced my father's care without talking to us.",
               "I am a full-time carer and I have not had a break in {months} months."],
         det=["The carers often arrive late and sometimes do not come at all.",
              "She has had two falls since the visits were cut.",
              "We were promised a reassessment in {month} and it has not happened.",
              "Respite care was offered once and then cancelled at the last minute.",
              "I have given up my job to look after him and my own health is suffering.",
              "The social worker has left and no one has taken over the case."]),
    dict(subj=["Eviction notice", "Facing homelessness", "Section 21 notice"],
         open=["My landlord has given me notice to leave by {date_future}.",
               "I have been served an eviction notice after asking for repairs.",
               "My family will be homeless in {weeks} weeks unless something changes."],
         det=["I have always paid the rent on time.",
              "The council housing team says I am not a priority until the bailiffs come.",
              "I have three children at school in {district} and cannot move them across the county.",
              "Every private rental I find asks for six months' rent in advance.",
              "The landlord says he is selling, but the flat is already advertised for rent at a higher price.",
              "I have been on the housing register for {years} years."]),
    dict(subj=["Heating not working", "No hot water", "Boiler broken in council flat"],
         open=["The heating in our council flat has not worked since {month}.",
               "We have had no hot water for {n2} weeks.",
               "The communal heating system in our block keeps failing."],
         det=["We are using electric heaters, which are costing a fortune.",
              "My mother is {age} and staying with us, and the flat is freezing at night.",
              "An engineer came and said a part was on order; that was weeks ago.",
              "The repairs line gives a new job number each time and no date.",
              "Several neighbours in the block have the same problem.",
              "We were offered two fan heaters as a temporary measure and one of them is broken."]),
    dict(subj=["Neighbour's extension", "Planning enforcement", "Building work next door"],
         open=["My neighbour on {street} is building an extension that is much larger than the plans that were approved.",
               "I want to complain about building work that started next door without planning permission.",
               "I am writing about a planning enforcement complaint I made in {month}."],
         det=["It now blocks almost all the light to our kitchen.",
              "The enforcement officer visited once and said it would be looked into.",
              "Work starts at seven in the morning, including Saturdays.",
              "The wall is right on our boundary and has damaged our fence.",
              "I have sent photographs showing the difference from the approved drawings.",
              "I do not want to fall out with my neighbours but nobody is enforcing the rules."]),
    dict(subj=["Child maintenance", "CMS problem", "Child maintenance arrears"],
         open=["I have not received any child maintenance for {months} months.",
               "The Child Maintenance Service has calculated my payments wrongly.",
               "I am writing about child maintenance arrears that nobody is collecting."],
         det=["The other parent is self-employed and the service says it cannot check his income.",
              "Each caseworker I speak to says the case is with someone else.",
              "The arrears are now more than £{amount}.",
              "They are taking money from my wages for a child who now lives with me.",
              "I have sent proof of the change three times.",
              "It is affecting what I can spend on school uniform and food."]),
    dict(subj=["Bank scam - need help", "Fraud refund refused", "Scammed out of my savings"],
         open=["{relc} was tricked into transferring £{amount} to a scammer who pretended to be from the bank.",
               "I lost most of my savings to an investment scam in {month}.",
               "My bank has refused to refund money I lost to a fraudster."],
         det=["The bank says it was an authorised payment so they will not pay.",
              "We reported it to the police and got a crime number but nothing else.",
              "The ombudsman says it will be months before anyone looks at the complaint.",
              "The caller knew her account details and the last transactions.",
              "I am embarrassed to be writing about this but I do not know where else to turn.",
              "The money was meant to pay for my funeral so my children would not have to."]),
    dict(subj=["Dropped kerb request", "Disabled access", "Wheelchair access"],
         open=["I use a wheelchair and there is no dropped kerb at the end of {street}.",
               "I applied for a dropped kerb outside my house in {month} and have been told to wait.",
               "The new pavement works on {street} have made it impossible to get around in my wheelchair."],
         det=["I have to go into the road to get to the bus stop.",
              "The council said there is no budget this year.",
              "My carer has hurt her back lifting the wheelchair up the kerb.",
              "There are bollards in the middle of the pavement that I cannot get past.",
              "I have been stuck indoors most days since the works began.",
              "A neighbour already has one so the cost cannot be that high."]),
]
BACKGROUND = ["I have lived on {street} for {years} years.", "I work shifts at {employer}, so it is hard for me to ring during office hours.",
              "English is not my first language, so my {helper} is helping me write this.", "I am a single parent with {kids} children.",
              "I care for {rel} full time.", "I am {age} and I don't use email much, so my {helper} set this up for me.",
              "I have never contacted a councillor before and I am not sure this is the right place.",
              "A friend at {venue} suggested I write to you.", "I am disabled and mostly housebound.",
              "I moved to {district} in {month} last year.", "My neighbour said your office helped her with something similar.",
              "I saw your advice surgery advertised at {venue} but could not make it on the day."]
IMPACT = ["This is affecting my mental health and I am not sleeping.", "We are really struggling.",
          "I am at the end of my tether with it.", "I have spent hours on the phone and got nowhere.",
          "It feels like nobody is listening.", "The stress is making my health worse.",
          "I cannot go on like this for much longer.", "My children are suffering because of it.",
          "I am frightened about what will happen next.", "I have tried everything I can think of."]
ASK = ["Can you help?", "Please could your office look into this?", "Could you contact {agency} on my behalf?",
       "Is there anything you can do?", "I would be grateful if someone could call me on {phone}.",
       "Could you please raise this with the right department?", "What should I do next?",
       "I would really appreciate your help.", "Please let me know if you need any more information.",
       "I can send copies of all the letters if that helps."]
THANKS = ["Thank you for reading this.", "Thank you in advance.", "Thank you for your time.", "I look forward to hearing from you.", ""]
AGENCY = ["the council", "them", "the people responsible", "the department concerned"]
FILL = dict(landlord=["Riverside Homes", "Eastbank Housing Co-operative", "my private landlord", "Northgate Housing Trust", "the council"],
            hospital=["Riverside General", "Kingsmere Hospital", "the Hollin treatment centre"],
            surgery=["Mill Lane surgery", "Northgate Medical Practice", "Eastbank Health Centre", "Old Town surgery"],
            school=["Hollin Primary School", "Eastbank Academy", "St Anne's Primary", "Northgate High School", "Riverside Community College"],
            employer=["the hospital", "the distribution centre", "the supermarket", "a care home", "the bakery on Market Street", "the airport"],
            helper=["son", "daughter", "neighbour", "niece", "grandson", "friend"],
            venue=["the library", "church", "the mosque", "the community centre", "the food bank", "the school gates", "the gurdwara"],
            place_abroad=["Lagos", "Krakow", "Lahore", "Dublin", "Madrid", "Nairobi", "Toronto", "Dhaka", "Kyiv", "Accra"],
            rel=["my mother", "my father", "my husband", "my wife", "my son", "my daughter", "my grandmother", "my partner", "my uncle"])


def ind_slots(rng, p):
    s = slots(rng)
    s.update({k: rng.choice(v) for k, v in FILL.items()})
    s.update(street=rng.choice(STREETS[:-1]), street2=rng.choice(STREETS[:-1]), district=rng.choice(DISTRICTS), n2=rng.randint(2, 6),
             kids=rng.choice(["two", "three", "four"]), weeks2=rng.randint(25, 60), amount=f"{rng.randint(2, 90) * 50:,}",
             date_past=f"{rng.randint(1, 28)} {rng.choice(MONTHS)}", date_future=f"{rng.randint(1, 28)} {rng.choice(['December', 'January', 'February', 'March'])}",
             phone=p["phone"], agency=rng.choice(AGENCY), day=rng.choice(DAYS))
    s["relc"] = cap(s["rel"])
    return s


# Paraphrase noise, so that letters built from the same fragments are still worded differently.
VARY = [(r"\bI have\b", ["I've"]), (r"\bI am\b(?! writing)", ["I'm"]), (r"\bdo not\b", ["don't"]), (r"\bdoes not\b", ["doesn't"]),
        (r"\bdid not\b", ["didn't"]), (r"\bcannot\b", ["can't", "can not"]), (r"\bhas not\b", ["hasn't"]), (r"\bhave not\b", ["haven't"]),
        (r"\bis not\b", ["isn't"]), (r"\bwas not\b", ["wasn't"]), (r"\bit is\b", ["it's"]), (r"\bnobody\b", ["no one"]),
        (r"\breally\b", ["truly"]), (r"\bvery\b", ["really", "extremely"]), (r"\bseveral\b", ["a number of", "various"]),
        (r"\bbecause (?!of)", ["as ", "since "]), (r"\bevery\b", ["each"]), (r"\bI am writing\b", ["I'm writing", "I am emailing", "I'm contacting you"]),
        (r"\bhas been\b", ["has now been"]), (r"\bthe council\b", ["Riverside council", "the local authority"]),
        (r"\bnothing\.", ["nothing at all."]), (r"\banyone\b", ["anybody"]), (r"\bsomeone\b", ["somebody"]),
        (r"\bchildren\b(?!')", ["kids"]), (r"\bI think\b", ["I believe", "I feel"]), (r"\bworried\b", ["concerned", "anxious"]),
        (r"\blast week\b", ["a few days ago", "the other week"]), (r"\bagain\b", ["once again"]), (r"\bwe are\b", ["we're"]),
        (r"\bthey are\b", ["they're"]), (r"\bwould like\b", ["want", "would love"]), (r"\bjust\b", ["simply", "only"]),
        (r"\bplease\b", ["kindly"]), (r"\bproblem\b", ["issue"]), (r"\bhappy\b", ["glad", "pleased"]),
        (r"\bI want to\b", ["I would like to", "I wish to"]), (r"\bcomplain\b", ["make a complaint"]), (r"\bstarted\b", ["began"]),
        (r"\bstarts\b", ["begins"]), (r"\bhas damaged\b", ["has caused damage to"]), (r"\bhave sent\b", ["have emailed", "have posted", "have provided"]),
        (r"\bshowing\b", ["that show", "which show"]), (r"\bwhole\b", ["entire"]), (r"\bnext door\b", ["at the house next door", "at my neighbour's"]),
        (r"\bI have been\b", ["I've been"]), (r"\bappointment\b", ["appt"]), (r"\bthe GP\b", ["my doctor", "the doctor"]),
        (r"\bthe same\b", ["exactly the same"]), (r"\bmore than(?= \d| a | £)", ["over"]), (r"\bmy son\b", ["my boy", "our son"]),
        (r"\bmy daughter\b", ["our daughter", "my girl"]), (r"\bmy mother\b", ["my mum"]), (r"\bmy father\b", ["my dad"]),
        (r"\bI was told\b", ["they told me", "I got told"]), (r"\bhouse\b", ["home"]), (r"\bflat\b", ["apartment"]),
        (r"\bfrightened\b", ["scared", "afraid"]), (r"\bdangerous\b", ["unsafe", "hazardous"]), (r"\bimpossible\b", ["almost impossible", "nearly impossible"]),
        (r"\bbecause of\b", ["due to", "owing to"]), (r"\bwe have\b", ["we've"]), (r"\bthere is\b", ["there's"]), (r"\bI would\b", ["I'd"]),
        (r"\bwill not\b", ["won't"]), (r"\bwould not\b", ["wouldn't"]), (r"\bcould not\b", ["couldn't"]), (r"\bare not\b", ["aren't"]),
        (r"\beach time(?= \w)", ["every time", "whenever"]), (r"\bwas refused\b", ["was turned down"]), (r"\bit online\b", ["it on the website", "it through the website"]),
        (r"\bweeks ago\b", ["weeks back"]), (r"\bworse\b", ["even worse"]), (r"\bphone\b", ["telephone"]),
        (r"\bwrote\b", ["sent a letter"]), (r"\bimportant\b", ["vital", "essential"]), (r"\bquickly\b", ["fast", "soon"]),
        (r"\bfriends\b", ["mates"]), (r"\bsaid\b", ["stated", "claimed"])]
# Rules that can produce odd grammar in some sentences are kept to rare firing.
RISKY = {r"\bjust\b", r"\bsaid\b", r"\bhouse\b", r"\bplease\b"}
OPENERS = ["Also, ", "To be honest, ", "On top of that, ", "Unfortunately, ", "As you can imagine, ", "Frankly, ", "What is more, ", "Sadly, "]


def vary(rng, text, rate=0.5):
    for pat, alts in VARY:
        p = rate * (0.3 if pat in RISKY else 1.0)
        text = re.sub(pat, lambda m: rng.choice(alts) if rng.random() < p else m.group(0), text)
    return text


def opener(rng, sent):
    if rng.random() < 0.25:
        return rng.choice(OPENERS) + (sent if sent.startswith(("I ", "I'")) else sent[0].lower() + sent[1:])
    return sent


def gram(rng, t, slots):
    """Fills {a|b|c} alternatives (innermost first), then {slot} names."""
    alt = re.compile(r"\{([^{}]*\|[^{}]*)\}")
    t = re.sub(r"\{(\w+)\}", "\x00\\1\x01", t)
    while True:
        t2 = alt.sub(lambda m: rng.choice(m.group(1).split("|")), t)
        if t2 == t:
            break
        t = t2
    t = t.replace("\x00", "{").replace("\x01", "}").format(**slots)
    return re.sub(r" ([,;.!])", r"\1", re.sub(r" {2,}", " ", t))


NARRATIVE = [
    "{On {date_past}|Last {day}|In {month}|A couple of weeks ago|Back in the summer|Yesterday morning|Over half term|Just before the clocks changed}, "
    "{a man|a woman|someone|an officer|a manager|a caseworker} from {the council|the housing office|the benefits office|the hospital|the contact centre|the agency} "
    "{rang me|came round|wrote to me|emailed me|called my {helper}} and {promised|said|assured me|insisted} that {it would all be sorted within {n2} days|"
    "my case had gone to a senior officer|the paperwork had been lost|there was nothing more they could do|I would hear back by the end of the month|"
    "it was not their department|someone would visit on {day}}{, but nothing has happened since|, which turned out not to be true|"
    ", and I have heard nothing since|, and that was the last I heard|}.",
    "{Last {day}|On {date_past}|Twice this month|Earlier this week} I {went|took two buses|walked|got a lift} to {the council offices on Market Street|"
    "the one-stop shop in {district}|the library in {district}|the advice centre|the hospital} to {hand in the forms|ask what was happening|"
    "get a copy of the letter|speak to someone in person}, {but the counter was closed|and was told to phone instead|and waited {n2} hours to be seen|"
    "but nobody there could help|and was sent home with a leaflet}.",
    "{My {helper}|A neighbour|The lady at {venue}|An adviser at the advice drop-in|My GP} {thinks|says|told me|reckons} {this is not right|"
    "I should complain formally|they have broken their own rules|I should have been contacted by now|I should write to you}"
    "{, and I agree|, so here I am|, which is why I am writing|, and that is why I am contacting you|}.",
    "I {feel|have been left feeling|am left feeling} {completely|totally|utterly|really} {let down|exhausted|fed up|ignored|worn out|frustrated} {because nobody takes responsibility|"
    "by the whole process|after months of this|and I don't know where else to turn|by the way we have been treated}.",
    "{Since then|In the meantime|While all this goes on|Meanwhile} {we have had to|I have had to|my {helper} has had to} {borrow from family|"
    "use the food bank {n2} times|take unpaid leave|sleep in the living room|put everything else on hold|take {n2} days off work}.",
    "{I have kept|I've kept|We have kept} {copies of every letter|a diary of every call|all the emails|the reference numbers} {since {month}|from the start|"
    "in a folder}{, if that would help|, so I can send them over|, and can forward them to you|, should you need them|}.",
    "{This all started|The trouble began|It began} {in {month}|on {date_past}|{weeks} weeks ago|just after {rel} came out of hospital|when I changed jobs}, "
    "{and it has got steadily worse|and every week it is something new|and we are no nearer a solution|and I have lost count of the calls}.",
]


ACK = ("Thank you for contacting the office of Councillor Maria Rivera. This is an automatic acknowledgement: your message has "
       "been received and a member of the casework team will reply within ten working days. If your enquiry is urgent, please "
       "telephone the office on 01632 960123. Please quote your reference {ref} in any further correspondence.")


def individual(rng, p):
    for _ in range(100):
        t = rng.choice(TOPICS)
        s = ind_slots(rng, p)
        sents = [rng.choice(t["open"])]
        if rng.random() < 0.35:
            sents.append(rng.choice(BACKGROUND))
        sents += rng.sample(t["det"], rng.choice([1, 2, 2]))
        narr = [gram(rng, x, s) for x in rng.sample(NARRATIVE, rng.choice([1, 2, 2, 3]))]
        sents[1 + rng.randrange(len(sents)):1] = narr
        if rng.random() < 0.4:
            sents.append(rng.choice(IMPACT))
        text = [opener(rng, vary(rng, cap(x.format(**s)), 0.7)) for x in sents]
        text.append(vary(rng, rng.choice(ASK).format(**s), 0.7))
        # Paragraphs of 1-3 sentences.
        paras, i = [], 0
        while i < len(text):
            k = rng.randint(1, 3)
            paras.append(" ".join(text[i:i + k]))
            i += k
        thanks = rng.choice(THANKS)
        if thanks:
            paras.append(thanks)
        words = sum(len(x.split()) for x in paras)
        if 40 <= words <= 200:
            break
    greet = rng.choice(GREET["en"])
    doc = ([("lines", [greet])] if greet else []) + [("p", x) for x in paras]
    doc.append(("lines", sign_block(rng, p, rng.choice(SIGNOFF["en"]), rng.random() < 0.15)))
    subject, extra = rng.choice(t["subj"]).format(**s), []
    if rng.random() < 0.05:
        ref = f"[CW-2026-{rng.randint(1, 99999):05d}]"
        subject = f"Re: Your message to Councillor Rivera {ref}"
        extra.append(f"In-Reply-To: <ack-{rng.getrandbits(40):010x}@riverside.example>")
        doc += [("lines", [f"On {rng.randint(2, 20)} Nov 2026, at {rng.randint(8, 18)}:{rng.randint(0, 59):02d}, Office of Cllr Maria Rivera <office@riverside.example> wrote:"]),
                ("quote", [("p", ACK.format(ref=ref))])]
    elif rng.random() < 0.06:
        subject = rng.choice(["Help please", "Urgent", "Request for help", "Can you help?", "Constituent enquiry", ""]) or subject
    return msg(rng, addr(p["name"], p["email"]), subject, body_for(rng, doc), extra)


FR_TOPICS = [("le renouvellement de mon passeport", "du renouvellement de mon passeport"),
             ("ma demande de logement social", "de ma demande de logement social"),
             ("la réparation du chauffage dans notre immeuble", "de la réparation du chauffage dans notre immeuble"),
             ("son allocation de retraite", "de son allocation de retraite"), ("une place en garderie", "d'une place en garderie"),
             ("les travaux devant notre maison", "des travaux devant notre maison"), ("sa carte de résidence", "de sa carte de résidence"),
             ("les réparations de notre logement", "des réparations de notre logement")]
FR_OPEN = ["{J'habite|Je vis|Nous habitons} {street} depuis {years} ans et je vous écris au sujet {de}.",
           "Je me permets de vous écrire {pour vous parler|au sujet|à propos} {de}{, une affaire qui traîne depuis {months} mois|, car je ne sais plus à qui m'adresser|}.",
           "Je vous écris {au nom de ma mère|pour mon père|de la part de ma grand-mère}, {qui a beaucoup de mal avec|qui ne s'en sort plus avec|qui attend toujours une réponse concernant} {bare}."]
FR_DET = ["{Le dossier porte le numéro|Notre numéro de dossier est|La référence est} {ref}{, mais personne ne semble s'en occuper| et pourtant rien ne bouge|}.",
          "{J'ai appelé|Nous avons téléphoné à|J'ai écrit à} {le service|l'administration|la mairie|l'agence} {n} fois depuis {le mois de {month_fr}|{weeks} semaines|la rentrée}{, sans réponse| et on me renvoie toujours ailleurs|}.",
          "On m'a promis une réponse {sous quinze jours|avant la fin du mois|très rapidement}{ ;| mais} cela fait {maintenant|déjà|aujourd'hui} {weeks} semaines.",
          "{Les formulaires|Les courriers|Les instructions} {n'existent qu'en anglais|sont uniquement en anglais} et {ma mère|mon père|ma voisine} ne les {comprend|lit} pas{ bien|}.",
          "{Nous avons déjà fourni|J'ai déjà envoyé|Nous avons transmis} {tous les justificatifs demandés|toutes les pièces demandées|les documents deux fois}{, par courrier recommandé|, en ligne et par la poste|}.",
          "Cette situation {nous coûte|me coûte} {beaucoup|énormément} {d'argent et d'énergie|de temps et de stress|de nuits blanches}.",
          "{Le {day_fr} dernier|La semaine passée|Il y a {n2} jours}, {un agent|une employée|quelqu'un du service} m'a {dit|assuré|expliqué} que {le dossier était perdu|tout serait réglé bientôt|ce n'était pas leur service|il fallait recommencer la demande}.",
          "{Je suis|Ma mère est|Mon père est} {âgé de {age} ans|malade|seul{e|}} et {ne peut|ne peux} plus {faire toutes ces démarches|se déplacer au guichet|attendre des heures au téléphone}."]
FR_ASK = ["Pourriez-vous m'aider à faire avancer ce dossier ?", "Merci de bien vouloir intervenir.", "Je vous remercie par avance de votre aide.",
          "Votre bureau peut-il me rappeler au {phone} ?", "Que me conseillez-vous de faire ?", "Pouvez-vous vous renseigner pour moi ?"]


def individual_fr(rng, p):
    s = ind_slots(rng, p)
    s["bare"], s["de"] = rng.choice(FR_TOPICS)
    s["day_fr"] = rng.choice(["lundi", "mardi", "mercredi", "jeudi", "vendredi"])
    dets = [gram(rng, x, s) for x in rng.sample(FR_DET, rng.randint(3, 5))]
    k = rng.randint(1, len(dets) - 1)
    paras = [gram(rng, rng.choice(FR_OPEN), s), " ".join(dets[:k]), " ".join(dets[k:]), gram(rng, rng.choice(FR_ASK), s)]
    greet = rng.choice(GREET["fr"])
    doc = ([("lines", [greet])] if greet else []) + [("p", x) for x in paras] + [("lines", sign_block(rng, p, rng.choice(SIGNOFF["fr"])))]
    subject = cap(s["bare"]) if rng.random() < 0.7 else "Demande d'aide"
    return msg(rng, addr(p["name"], p["email"]), subject, body_for(rng, doc))


# ---------------------------------------------------------------- newsletters

ORGS = [
    dict(name="Friends of Riverside Park", dom="friendsofriversidepark.example", letter="Park Life",
         events=["the autumn bulb planting", "the Sunday litter pick", "the bat walk", "the winter tree-planting day", "the pond clean-up"],
         things=["the bandstand", "the children's play area", "the sensory garden", "the café kiosk"],
         tasks=["clearing the pond", "watering the new trees", "staffing the plant stall"], field="horticulture"),
    dict(name="Riverside Chamber of Commerce", dom="riversidechamber.example", letter="Business Bulletin",
         events=["the networking breakfast", "the small business awards", "the export workshop", "the Christmas trade fair"],
         things=["the Market Street car park", "the business rates relief scheme", "the shop-front grant fund"],
         tasks=["judging the awards", "mentoring a new start-up", "hosting a work-experience student"], field="retail"),
    dict(name="Eastbank Tenants' Federation", dom="eastbanktenants.example", letter="Tenants' Voice",
         events=["the tenants' drop-in", "the repairs surgery", "the estate walkabout", "the residents' forum"],
         things=["the community room", "the repairs hotline", "the new rent charter"],
         tasks=["delivering leaflets", "taking minutes", "running the drop-in"], field="housing advice"),
    dict(name="Riverside Cycling Campaign", dom="riversidecycling.example", letter="Spokes",
         events=["the family bike ride", "the Dr Bike repair session", "the night ride", "the cycle-to-school week"],
         things=["the canal towpath", "the new crossing on Ferry Road", "the bike shelter at the station"],
         tasks=["marshalling rides", "counting cyclists at junctions", "running the repair stall"], field="transport planning"),
    dict(name="Northgate Community Food Bank", dom="northgatefoodbank.example", letter="Food Bank Update",
         events=["the supermarket collection", "the volunteer induction", "the winter appeal launch", "the community lunch"],
         things=["the warehouse", "the delivery van", "the advice table"],
         tasks=["sorting donations", "driving the van", "packing food parcels"], field="social work"),
    dict(name="Riverside Arts Trust", dom="riversidearts.example", letter="Arts Diary",
         events=["the open studios weekend", "the community choir concert", "the poetry evening", "the film club screening"],
         things=["the gallery", "the old chapel theatre", "the print workshop"],
         tasks=["front-of-house", "hanging exhibitions", "selling programmes"], field="museum education"),
    dict(name="Hollin Valley Wildlife Group", dom="hollinwildlife.example", letter="Valley Notes",
         events=["the dawn chorus walk", "the otter survey", "the hedge-laying workshop", "the moth trapping evening"],
         things=["the bird hide", "the boardwalk", "the meadow"],
         tasks=["recording sightings", "repairing the boardwalk", "cutting the meadow"], field="ecology"),
    dict(name="Riverside Older People's Forum", dom="riversideopf.example", letter="Forum News",
         events=["the tea dance", "the digital skills café", "the warm space afternoon", "the pension advice session"],
         things=["the forum office", "the minibus", "the befriending scheme"],
         tasks=["befriending", "driving the minibus", "making tea"], field="community nursing"),
]
NEWS_SENT = [
    "{Join us|Come along|Do join us|Everyone is welcome} on {day} {ndate} {at {time}|from {time}|in the afternoon|in the evening} for {event} "
    "{at {venue2}|starting from {venue2}|next to {thing}}{, rain or shine|; bring a friend|, all ages welcome|}.",
    "{Thank you|A big thank you|Thanks|Our thanks} to {the {n} volunteers|everyone|all {n} of you|{person} and the team} who {came along to|helped with|"
    "supported|turned out for} {event} {last weekend|on {day}|in {month}|despite the weather}{; together we {ach}|; it was a {great|record|memorable} day|}.",
    "We {are delighted|are pleased|are thrilled} to {welcome|introduce} {person} as our new {role}, {with|bringing} {years} years of "
    "{experience|background} in {field}; {you can|please} {reach|contact|email} {them|our new {role}} at {mailbox}@{dom}.",
    "{Tickets|Places} for {event} {cost|are} £{price} ({conc} {concessions|for under-16s|for members}) and {can be booked|are available} "
    "{online|from {thing}|by replying to this email|on the door}.",
    "{thingc} {has reopened|is open again|is back in use} after {weeks} weeks of {repairs|work|refurbishment}, {thanks to|funded by|with help from} {funder}.",
    "{Our|The} {annual general meeting|AGM|autumn members' meeting} {will be held|takes place|is} on {ndate} at {venue2}"
    "{; all members are welcome|, with tea and cake from {time}|, and the agenda is on the website|}.",
    "{person}{, one of our longest-serving members,|, who joined us in {year},|, our {role},|} {writes|tells us|says}: \"{quote}\"",
    "We {still need|are looking for|urgently need} {help with|volunteers for|a few more hands for} {task}{, especially on {day}s|, even for an hour|"
    " over the winter|}; {reply to this email|ring {person}|drop in to {venue2}} if you can {help|spare the time}.",
    "{Nominations|Applications|Entries} for {prize} {close on|must reach us by|are due by} {ndate}{, and forms are at {venue2}|; see the website|}.",
    "{Last month|In {month}|Over the summer|This quarter} we {ach}, {our best result since {year}|more than ever before|well ahead of our target|"
    "thanks to all of you}.",
    "{Please note that|Just a reminder:|A note for your diary:} {thing} {will be closed|is closed|will shut early} on {ndate} for {reason}.",
    "{Congratulations|Warm congratulations|Well done} to {person} {on|for} {award}{!|.}",
    "{Minutes of|Notes from} the {last committee meeting|October meeting|open forum}{, held on {ndate},|} are {now|} "
    "{on the website|available from {venue2}|attached to the online version of this email}.",
    "{A summary of|A short report on} {the {last committee meeting|October meeting|open forum}|{event}} is {now|} {on the website|in the members' area|"
    "available on request}{; thanks to {person} for writing it up|}.",
    "{Membership renewals|Subscriptions} {are due by|should be paid by} {ndate}; the {fee|rate} {is unchanged at|stays at|rises slightly to} £{price} a year.",
    "{A huge|An enormous|A heartfelt} thank you to {funder} for {a donation|a grant|a gift} of £{raised}{, which will {pay for|go towards|fund} {thing2}|}.",
    "The council {has asked us to|wants us to|invites us to} {comment on|respond to|give views on} {consult}; {please|do} {send|share} {your views|your thoughts|"
    "any comments} {by {ndate}|before the end of the month|to {person}}.",
    "{Did you know|Fun fact|A little history}: {thing} {was built in|first opened in|dates back to} {oldyear}{, and|; since then} {we have|the group has} "
    "{looked after it|used it|campaigned for it} {for decades|ever since|through thick and thin}.",
    "{person} and {person2} {will lead|are running|will host} {event} {this time|again this year|for the first time}; {booking is|places are} "
    "{essential|limited|not needed} and {dogs are welcome|children must be accompanied|parking is available at {thing}}.",
]
VENUES = ["the community centre", "the Old Schoolhouse", "St Mark's church hall", "the library", "the Quaker meeting house",
          "the Riverside Arms function room", "the town hall", "the scout hut on Mill Lane"]
PRIZES = ["the volunteer of the year award", "the community champion prize", "the young person's award", "our photography competition",
          "the best garden competition", "the committee elections"]
NEWS_ACH = ["planted {n} trees", "collected {n} bags of litter", "raised £{raised}", "signed up {n} new members", "packed {n} parcels",
            "welcomed {n} first-time visitors", "answered {n} calls for advice", "ran {n} sessions"]
NEWS_HEAD = ["Date for your diary", "News from the committee", "Volunteers wanted", "A warm welcome", "Funding news",
             "Coming up", "Thank you!", "Dates and deadlines", "In brief", "Member news", "Have your say"]
NEWS_FILL = dict(person=["Joyce Mensah", "Alan Fairbairn", "Priti Shah", "Colin Doyle", "Megan Price", "Ravi Bhatt", "Sue Ashworth",
                         "Kwabena Osei", "Marion Lloyd", "Tom Nowak", "Bernadette Quinn", "Hamid Rahman", "Lydia Parry", "Gwen Pritchard"],
                 role=["treasurer", "volunteer coordinator", "chair", "membership secretary", "project officer", "trustee"],
                 funder=["the Riverside Community Fund", "the Hollin Trust", "a local business", "the lottery fund", "the town council"],
                 quote=["It has been a joy to be part of this for so long.", "I never expected so many people to turn up.",
                        "Every little helps, and it all adds up.", "We could not do it without you all.", "What a year it has been!"],
                 reason=["maintenance", "staff training", "a private event", "electrical work", "the bank holiday"],
                 award=["a regional volunteering award", "completing the marathon for us", "twenty-five years of membership",
                        "being shortlisted for a community award", "a well-deserved retirement"],
                 consult=["the draft local plan", "the new parking strategy", "the library review", "next year's budget", "the river path proposals"])


def newsletter_footer(rng, o):
    style = rng.randrange(3)
    pc = f"RV{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(PC_LETTERS)}{rng.choice(PC_LETTERS)}"
    addr_ = f"{o['name']}, {rng.randint(1, 90)} {rng.choice(STREETS[:-1])}, Riverside {pc}"
    reg = f"Registered charity no. 11{rng.randint(10000, 99999)}" if style != 1 else f"Company no. RV{rng.randint(100000, 999999)}"
    if style == 0:
        f = [f"Copyright © 2026 {o['name']}, All rights reserved.",
             f"You are receiving this email because you opted in via our website or signed up at one of our events.",
             f"Our mailing address is: {addr_}",
             "Want to change how you receive these emails? You can update your preferences or unsubscribe from this list.",
             reg]
    elif style == 1:
        f = [f"This bulletin is sent to members and friends of {o['name']}.",
             f"If you no longer wish to receive {o['letter']}, use the unsubscribe link below; we will remove you within two working days.",
             f"We hold your details in line with our privacy notice at https://{o['dom']}/privacy and never share them with third parties.",
             f"{addr_}. {reg}.", "Unsubscribe | Manage preferences | View this email in your browser"]
    else:
        f = [f"{o['name']} is run entirely by volunteers and relies on the support of members like you.",
             f"Forward this email to a friend who might be interested, or invite them to join at https://{o['dom']}/join.",
             f"You can read past issues of {o['letter']} on our website.",
             f"Contact us: hello@{o['dom']} | 01632 960{rng.randint(0, 999):03d} | {addr_}",
             f"{reg}. To stop receiving these emails, click unsubscribe."]
    return f


def newsletter(rng, o, issue):
    s = {k: rng.choice(v) for k, v in NEWS_FILL.items()}
    items = []
    for _ in range(rng.randint(4, 6)):
        sents = []
        for t in rng.sample(NEWS_SENT, rng.randint(3, 5)):
            thing = rng.choice(o["things"])
            s.update(event=rng.choice(o["events"]), thing=thing, thingc=cap(thing), task=rng.choice(o["tasks"]), field=o["field"],
                     day=rng.choice(DAYS), ndate=f"{rng.randint(1, 28)} {rng.choice(['December', 'January', 'February'])}",
                     time=f"{rng.randint(9, 19)}:{rng.choice(['00', '15', '30'])}", n=rng.randint(8, 60), years=rng.randint(3, 30),
                     price=rng.randint(3, 25), conc=f"£{rng.randint(1, 3)}", weeks=rng.randint(2, 12), raised=f"{rng.randint(3, 90) * 100:,}",
                     year=rng.randint(2009, 2023), oldyear=rng.randint(1850, 1990), month=rng.choice(MONTHS), dom=o["dom"],
                     mailbox=rng.choice(["hello", "info", "volunteer", "events", "office"]), thing2=rng.choice(o["things"]),
                     person2=rng.choice(NEWS_FILL["person"]), venue2=rng.choice(VENUES), prize=rng.choice(PRIZES), **{k: rng.choice(v) for k, v in NEWS_FILL.items()})
            s["ach"] = rng.choice(NEWS_ACH).format(**s)
            sents.append(vary(rng, gram(rng, t, s), 0.3))
        items.append((rng.choice(NEWS_HEAD), " ".join(sents)))
    intro = rng.choice(["Hello Maria,", "Dear friends,", "Hi everyone,", "Dear members and supporters,"])
    doc = [("lines", [f"{o['name']} | {o['letter']} | Issue {issue}", "View this email in your browser"]), ("lines", [intro])]
    for h, t in items:
        doc += [("lines", [h.upper()]), ("p", t)]
    doc += [("lines", ["Best wishes,", f"The {o['name']} team"]), ("lines", ["-" * 40]), ("lines", o["footer"])]
    tok = f"{rng.getrandbits(48):012x}"
    extra = [f"List-Id: {o['letter']} <news.{o['dom']}>",
             f"List-Unsubscribe: <mailto:unsubscribe+{tok}@{o['dom']}>, <https://{o['dom']}/unsubscribe?u={tok}>",
             "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Precedence: bulk"]
    subject = f"{o['letter']}: {items[0][0]}" if rng.random() < 0.5 else f"{o['letter']} - Issue {issue}"
    m = msg(rng, addr(o["name"], f"news@{o['dom']}"), subject,
            body_for(rng, doc, mime=rng.choice(["alt", "alt", "html"]), width=None, html_style="p"), extra)
    m["headers"] = [h for h in m["headers"] if not h.startswith(("X-Mailer", "User-Agent"))] + ["X-Mailer: MailBlast 4.2"]
    return m

# ---------------------------------------------------------------- shared disclaimer, shared signature

FIRM = "Harrowgate & Finch LLP"
DISCLAIMER = ("This email and any attachments are confidential and may be legally privileged. They are intended solely for the "
              "individual or organisation to whom they are addressed. If you are not the intended recipient, please notify the sender "
              "immediately by return email and delete this message from your system; you must not copy, distribute or rely on it. "
              "Although we scan for viruses, we accept no liability for any damage caused by viruses transmitted by this email. "
              "Harrowgate & Finch LLP is registered in Riverside, number RV004417.")
DISC_BODIES = [
    "I act for {client}, a constituent of yours, in a housing disrepair claim against {landlord}. My client asks whether your office has any record of the complaints she raised with you last year.",
    "Our firm is hosting a free legal advice evening for residents at {venue} on {ndate}. We would be delighted if you or a member of your team could come and say a few words.",
    "I live on {street} and wanted to report that the streetlight outside number {n} has been out for {weeks} weeks. I have reported it online twice.",
    "Thank you for meeting our trainees last month. They found the visit to the council chamber fascinating and several have asked about volunteering.",
    "Could you tell me who in the council deals with licensing for street parties? My road would like to hold one in the spring.",
    "I am writing in a personal capacity about the state of the footpath behind {school}. It floods every winter and the children have to walk through mud.",
    "We represent a tenants' group in {district} in a dispute over service charges. Would you be willing to meet them at their next meeting on {ndate}?",
    "Please find below the date of the next meeting of the Riverside business forum, which our senior partner chairs: {ndate} at 8am.",
    "My elderly father is waiting for a social care assessment and I wondered whether your office could tell me how long these usually take at the moment.",
    "We are sponsoring the under-12s football tournament again this year and wondered whether you would present the trophies on {ndate}.",
    "I would like to object to the new parking restrictions proposed for {street}. Several of my neighbours are disabled and rely on parking outside their homes.",
    "One of our clients has a question about the council's hardship fund. Is there a named officer we could contact, rather than the general inbox?",
    "I wanted to say thank you for your help with the bus shelter on {street}. It was finally replaced last week and makes a real difference.",
    "We have a spare room at our offices which local community groups may use free of charge on weekday evenings. Perhaps you could mention it in your newsletter?",
    "I am chasing a response to my letter of {date_past} about the overgrown trees in the lane behind our house. Nobody from the council has replied.",
    "Is the council still running the free home energy checks? My neighbour is {age} and struggling with heating costs this winter.",
    "Our charity committee would like to invite you to the Christmas fundraiser for the hospice on {ndate}. Tickets are complimentary for you and a guest.",
    "I act for the executors of a late constituent of yours and need to return some papers she had borrowed from your office. Where should I send them?",
    "I noticed that the recycling point at the {thing} car park has been removed. Is it being moved somewhere else, or has it gone for good?",
    "Please could you let me know the date of your next advice surgery in {district}? My sister would like to come along about a housing matter.",
    "We are putting together a guide to local support services for our clients and would like to include your office. Is this the best email address to list?",
    "Sorry to bother you with something small: the dog waste bin on {street} has been overflowing for a fortnight.",
    "I understand you sit on the licensing committee. I would like to register my support for the community café's application for a late licence.",
    "Could your office confirm whether the consultation on the {street} cycle lane is still open? The council website gives two different dates.",
]
SIG_PERSON = dict(name="Dr Olufunmi Ashworth-Grey", email="olufunmi@nhra.example")
SIG_LINES = ["-- ", "Dr Olufunmi Ashworth-Grey", "Chair, Northgate & Hollin Residents' Association",
             "Trustee, Riverside Community Transport | Governor, Hollin Primary School",
             "Mobile: 07700 900417 | Office: 01632 960882", "The Old Schoolhouse, 3 Chapel Row, Northgate, Riverside RV2 4HL",
             "www.nhra.example | Registered community group no. RV-00419",
             "\"Many hands, one street: a neighbourhood is only as strong as the way it looks after its own.\" - NHRA motto"]
SIG_BODIES = [
    ("Streetlights on Chapel Row", "Just a quick note to say that three streetlights on Chapel Row have been out since the storm. Several older residents have told me they no longer go out after dark. Could your office chase the highways team?"),
    ("Invitation to our AGM", "The association's annual general meeting will be on {ndate} at the Old Schoolhouse, starting at 7pm. We would be very pleased if you could attend and take questions for half an hour. Around forty residents usually come."),
    ("Planning comments", "Our committee has agreed its response to the application for flats on the old garage site. In short, we support housing there but think twelve units is too many for the access lane, which has no pavement. Our full comments went to the planning officer yesterday."),
    ("A resident needing help", "I have been approached by a resident of Hollin Lane, an elderly widower, who is having great difficulty with his pension credit claim. With his permission I have given him your office's number. I hope that is all right."),
    ("Thank you", "On behalf of the association, thank you for coming to the litter pick on Saturday. The children were thrilled to meet you, and we filled thirty-two bags."),
    ("Community transport", "Riverside Community Transport is looking for two more volunteer drivers before the winter. If you know of anyone, or could mention it in your next bulletin, we would be grateful. Drivers need a clean licence and a couple of hours a week."),
    ("Flooding at the ford", "The ford on the Hollin road flooded again on Tuesday and a car had to be pulled out. We asked for warning signs two years ago. Is there any news on the drainage scheme the council promised?"),
    ("School crossing", "The governors of Hollin Primary have asked me to write in support of a crossing patrol on the B6270. I know you have raised this before; is there anything more we can do to help make the case?"),
    ("Meeting notes", "Please find below a short summary of Thursday's meeting with the housing association. They agreed to survey every flat in Weavers Court for damp by the end of January and to report back to residents in February."),
    ("Christmas lights", "Just to let you know the Christmas lights switch-on in Northgate will be on {ndate} at 5pm. The school choir is singing, and we would love you to do the honours with the switch."),
    ("Bus shelter", "The bus shelter at the top of Quarry Hill was smashed again last week and the glass has not been cleared. Could you ask the council to make it safe?"),
    ("Allotment waiting list", "The allotment waiting list is now over three years long. We have identified a strip of council land behind the chapel that could take ten more plots, and would like to discuss it with you."),
]

# ---------------------------------------------------------------- assembly

START = datetime(2026, 11, 22, 8, tzinfo=timezone.utc)  # to 24 Nov 22:00 UTC, so every local date is 22-24 Nov
SPAN = 2 * 86400 + 14 * 3600


def daytime(rng):
    while True:
        t = rng.random() * SPAN
        h = (t / 3600 + START.hour) % 24
        if rng.random() < (0.15 if h < 7 or h >= 23 else 1.0):
            return t


def scale_plan(scale):
    if scale == "tiny":
        return dict(campaigns=[20, 12], repeat=3, news=(2, 4), disclaimer=5, signature=3, individuals=16, min_cw=2)
    n = 1500 if scale == "small" else 6000
    camps = [round(f * n) for f in (0.40, 0.20, 0.10, 0.05, 0.03, 0.02, 0.015)] + [8]
    nnews = round(0.03 * n)
    orgs = 6 if scale == "small" else 8
    return dict(campaigns=camps, repeat=15, news=(orgs, nnews), disclaimer=20, signature=10,
                individuals=n - sum(camps) - nnews - 30, min_cw=1)


def main():
    ap = argparse.ArgumentParser(description="Labelled campaign-mail corpus (made up).")
    ap.add_argument("outdir")
    ap.add_argument("--scale", choices=["tiny", "small", "full"], default="small")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--flood", type=int, default=0,
                    help="only N copies of the first campaign (for the ingest benchmark)")
    ap.add_argument("--singles", type=int, default=0,
                    help="only N individual casework emails (for the ingest benchmark)")
    ap.add_argument("--prefix", default="cg", help="Message-ID prefix (to keep corpora apart)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    plan = scale_plan(a.scale)
    if a.singles:
        plan = dict(campaigns=[], repeat=0, news=(0, 0), disclaimer=0, signature=0, individuals=a.singles, min_cw=1)
    if a.flood:
        plan = dict(campaigns=[a.flood], repeat=15, news=(0, 0), disclaimer=0, signature=0, individuals=0, min_cw=1)
    people = People(rng)
    out = []  # dicts: t (seconds from START), msg, group, kind, casework, addition, sender

    def add(t, m, group, kind, sender, addition="none"):
        out.append(dict(t=t, m=m, group=group, kind=kind, sender=sender, addition=addition, seq=len(out)))

    for ci, n in enumerate(plan["campaigns"]):
        camp, group = CAMPAIGNS[ci], f"c{ci + 1}"
        lang = camp["lang"]
        launch = rng.random() * 1.6 * 86400
        mean = 9 * 3600 if n > 50 else 20 * 3600

        def when():
            if n <= 12 and plan["repeat"] != 3:
                return daytime(rng)
            while True:
                t = launch + rng.expovariate(1 / mean)
                if t < SPAN:
                    return t
        repeat = plan["repeat"] if ci == 0 else 0
        singles = n - repeat
        kinds = ["none"] * singles
        idx = list(range(singles))
        rng.shuffle(idx)
        ncw = max(plan["min_cw"], round(0.06 * n))
        nop = round(0.08 * n)
        for k in idx[:ncw]:
            kinds[k] = "casework"
        for k in idx[ncw:ncw + nop]:
            kinds[k] = "opinion"
        seen = {}
        for k in range(singles):
            plang = lang if not (lang == "fr" and rng.random() < 0.15) else "en"
            p = people.pick(plang, reuse=0.08, avoid=seen)
            seen[p["email"]] = 1
            add(when(), campaign_copy(rng, ci, camp, p, kinds[k]), group, "campaign", p["email"], kinds[k])
        if repeat:
            p = people.new("en")
            m = campaign_copy(rng, ci, camp, p, "none")
            t0 = when()
            if t0 > SPAN - 3 * 3600:
                t0 -= 3 * 3600
            for r in range(repeat):
                add(t0 + r * rng.uniform(30, 400), m, group, "campaign", p["email"])

    for i in range(plan["individuals"]):
        p = people.pick("en", reuse=0.05)
        if rng.random() < 0.025:
            p = people.pick("fr", reuse=0.3)
            m = individual_fr(rng, p)
        else:
            m = individual(rng, p)
        add(daytime(rng), m, None, "individual", p["email"])

    norgs, nnews = plan["news"]
    orgs = ORGS[:norgs]
    for o in orgs:
        o["footer"] = newsletter_footer(rng, o)
    for j in range(nnews):
        o = orgs[j % norgs]
        k = j // norgs
        per = -(-nnews // norgs)
        t = (k + rng.uniform(0.1, 0.9)) * SPAN / per
        add(t, newsletter(rng, o, 40 + k), None, "newsletter", f"news@{o['dom']}")

    bodies = rng.sample(DISC_BODIES, plan["disclaimer"])
    titles = ["Associate", "Senior Associate", "Partner", "Trainee Solicitor", "Paralegal", "Legal Secretary", "Office Manager", "Solicitor"]
    for b in bodies:
        p = people.new("en")
        email = re.sub(r"[^a-z.]", "", ascii_fold(f"{p['first']}.{p['last']}").lower()) + "@harrowgatefinch.example"
        s = ind_slots(rng, p)
        s.update(client=f"Mrs {rng.choice(LAST_EN)}", ndate=f"{rng.randint(1, 28)} {rng.choice(['December', 'January'])}",
                 thing=rng.choice(["Station Road", "Market Street", "Old Town"]))
        doc = ([("lines", [rng.choice(GREET['en'][:8])])] + [("p", b.format(**s))] +
               [("lines", [rng.choice(["Kind regards,", "Best wishes,", "Regards,", "Many thanks,"]), f"{p['first']} {p['last']}",
                           rng.choice(titles), FIRM, "14 Quay Street, Riverside RV1 3HF", f"T: 01632 960{rng.randint(0, 999):03d}"])] +
               [("lines", ["_" * 32]), ("p", DISCLAIMER)])
        subject = rng.choice(["Query", "A quick question", "Enquiry", "Invitation", "Follow-up", ""]) or b.format(**s).split(".")[0][:40]
        m = msg(rng, addr(f"{p['first']} {p['last']}", email), subject, body_for(rng, doc, html_style="mso"),
                ["X-Mailer: Microsoft Outlook 16.0"])
        m["headers"] = [h for h in m["headers"] if not h.startswith("User-Agent")]
        add(daytime(rng), m, None, "disclaimer", email)

    for subj, b in rng.sample(SIG_BODIES, plan["signature"]):
        s = dict(ndate=f"{rng.randint(1, 20)} December")
        doc = [("lines", [rng.choice(["Dear Maria,", "Hi Maria,", "Maria,"])]), ("p", b.format(**s)),
               ("lines", [rng.choice(["Best wishes,", "Warm regards,", "With thanks,"]), "Funmi"]), ("lines", SIG_LINES)]
        m = msg(rng, addr(SIG_PERSON["name"], SIG_PERSON["email"]), subj, body_for(rng, doc, width=rng.choice([None, 72])))
        add(daytime(rng), m, None, "signature", SIG_PERSON["email"])

    out.sort(key=lambda r: (r["t"], r["seq"]))
    mdir = os.path.join(a.outdir, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(mdir, sub), exist_ok=True)
    counters = {}
    offsets = [0, 0, 0, 0, 0, 0, 60, 60, -300, -480]
    with open(os.path.join(a.outdir, "labels.csv"), "w", newline="") as lf:
        w = csv.writer(lf)
        w.writerow(["message_id", "group", "kind", "casework", "addition", "sender"])
        for i, r in enumerate(out):
            mid = f"{a.prefix}{i}@gen.example"
            group = r["group"]
            if group is None:
                pre = {"individual": "i", "newsletter": "n", "disclaimer": "d", "signature": "s"}[r["kind"]]
                counters[pre] = counters.get(pre, 0) + 1
                group = f"{pre}{counters[pre]}"
            tz = timezone(timedelta(minutes=rng.choice(offsets)))
            date = format_datetime((START + timedelta(seconds=r["t"])).astimezone(tz).replace(microsecond=0))
            m = r["m"]
            ch, cbody = m["content"]
            head = m["headers"][:2] + [f"Date: {date}", f"Message-ID: <{mid}>"] + m["headers"][2:] + ["MIME-Version: 1.0"] + ch
            data = "\n".join(head).encode("ascii") + b"\n\n" + cbody
            if i % 3 != 0:
                data = data.replace(b"\n", b"\r\n")
            with open(os.path.join(mdir, "new", f"{i:07d}.eml"), "wb") as f:
                f.write(data)
            w.writerow([mid, group, r["kind"], 1 if r["addition"] == "casework" else 0, r["addition"], r["sender"]])
    kinds = {}
    for r in out:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"{len(out)} messages in {mdir}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))


if __name__ == "__main__":
    main()
