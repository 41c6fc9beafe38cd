import AmexistDomain
import Documents
import Foundation

/// The words of the pages, in each language.
///
/// Every key exists in both tables (a test checks it), so a page never shows a blank.
enum Texts {
  static func table(_ language: PageLanguage) -> [String: String] {
    language == .french ? french : english
  }

  static let french: [String: String] = [
    "lang": "fr", "otherLang": "en", "otherLanguageName": "English",
    "siteName": "Registre AMEXIST",
    "skipToContent": "Aller au contenu", "navigation": "Navigation principale",
    "navSearch": "Rechercher", "navVerify": "Vérifier une attestation",
    "navBodies": "Organismes certificateurs", "navLog": "Journal et témoins",
    "logTitle": "Journal et témoins",
    "logLead":
      "Chaque décision est une entrée d'un journal public ; des témoins indépendants contresignent ses points de contrôle, si bien que personne ne peut montrer un autre journal à un vérificateur.",
    "logSize": "Entrées du journal", "logOrigin": "Origine",
    "witnessQuorum": "Quorum de témoins",
    "witnessQuorumValue": "{k} contresignatures distinctes à partir de la taille {fromSize}",
    "noQuorum": "aucun : les points de contrôle ne portent que la signature du journal",
    "witnessName": "Témoin", "witnessCosigned": "Dernière contresignature",
    "witnessLag": "Retard", "witnessLagValue": "{n} entrée(s)", "witnessUpToDate": "à jour",
    "witnessNever": "jamais", "witnessRetired": "retiré le {until}",
    "witnessAnswer": "Dernière réponse", "noWitnesses": "Aucun témoin n'est inscrit.",
    "bodiesTitle": "Organismes certificateurs",
    "bodiesLead":
      "Les organismes accrédités qui signent leurs décisions de certification, avec leur accréditation et leurs clés publiques.",
    "accreditation": "Accréditation", "accreditationScope": "Portée",
    "accreditationWindow": "Période d'accréditation", "bodyKeys": "Clés de signature",
    "noBodyKeys": "aucune clé enregistrée", "noBodies": "Aucun organisme certificateur inscrit.",
    "footer":
      "Registre public et infalsifiable du label AMEXIST des services de prévention et de santé au travail interentreprises.",
    "trustFile": "Fichier de confiance", "logCheckpoint": "Point de contrôle du journal",
    "openData": "Données ouvertes", "decisionFeed": "Flux des décisions (Atom)",
    "apiTitle": "API du registre",
    "apiLead":
      "Chaque page du registre existe aussi en JSON ; cette page décrit chaque adresse, ses paramètres et ses réponses, telles que le serveur les applique. Les descriptions sont en anglais, comme le document OpenAPI dont elles sont tirées.",
    "apiDocument": "Document source :", "apiVersion": "version",
    "apiConventions":
      "Les refus sont des objets JSON {error, message, explanation} quand le JSON est demandé ; chaque réponse porte les en-têtes de sécurité ; au-delà du quota, 429 avec Retry-After.",
    "apiPublic": "Lecture publique et vérification",
    "apiAdmin": "Administration (jeton requis)",
    "apiAdminLead":
      "Ces adresses demandent un jeton d'administration (Authorization: Bearer), créé par « amexist token create » ; les écritures acceptent un en-tête Idempotency-Key.",
    "apiParameter": "Paramètre", "apiIn": "Où", "apiRequired": "Requis", "apiValues": "Valeurs",
    "apiBody": "Corps de la requête :",
    "accessibility": "Accessibilité : non conforme", "legalNotice": "Mentions légales",
    "a11yTitle": "Déclaration d'accessibilité",
    "a11yCommitment":
      "L'éditeur du registre s'engage à rendre ce site accessible, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration s'applique à toutes les pages du registre.",
    "a11yStateHeading": "État de conformité",
    "a11yState": "Le registre est non conforme au RGAA 4.1.",
    "a11yStateReason":
      "Aucun audit complet selon le référentiel général d'amélioration de l'accessibilité (RGAA) n'a encore été réalisé : en l'absence d'audit, la réglementation impose de déclarer le site non conforme, même si les contrôles ci-dessous sont passés.",
    "a11yChecksHeading": "Ce qui est vérifié",
    "a11yCheckAxe":
      "À chaque modification du logiciel, toutes les pages (recherche, service, attestation, vérification, organismes, journal, données ouvertes, ces pages-ci) sont analysées par axe-core dans Chromium, en largeur 1280 et 390 pixels : aucune violation n'est admise.",
    "a11yCheckWidths":
      "Aucune page ne défile horizontalement à 320, 390 ou 1280 pixels ; sur téléphone, chaque résultat de recherche montre le service, son niveau et sa situation.",
    "a11yCheckKeyboard":
      "Tout se fait au clavier : un lien d'évitement mène au contenu, et le contour de focus contraste à plus de 3:1 avec son fond.",
    "a11yCheckContrast":
      "Les situations (en vigueur, suspendu, retiré, expiré) sont écrites en toutes lettres et ne reposent jamais sur la seule couleur.",
    "a11yCheckLanguage":
      "Chaque page déclare sa langue ; le français et l'anglais sont proposés sur chaque page.",
    "a11yLimitsHeading": "Limites connues",
    "a11yLimitPDF":
      "L'attestation imprimable (PDF) n'est pas balisée pour les lecteurs d'écran ; la même attestation se lit en HTML sur sa page de vérification.",
    "a11yLimitScreenReader":
      "Le site n'a pas encore été testé avec des lecteurs d'écran (NVDA, VoiceOver) par des personnes qui les utilisent.",
    "a11yContactHeading": "Retour d'information et contact",
    "a11yContact":
      "Si vous ne parvenez pas à accéder à un contenu ou à un service, écrivez à l'éditeur du registre pour obtenir une alternative accessible :",
    "a11yRecourse":
      "Si vous n'obtenez pas de réponse satisfaisante, vous pouvez saisir le",
    "a11yDate": "Déclaration établie le 3 décembre 2026.",
    "legalTitle": "Mentions légales", "legalPublisher": "Éditeur du registre",
    "legalOrigin": "Adresse du registre", "legalContact": "Contact",
    "legalNoContact": "l'éditeur n'a pas publié d'adresse de contact sur ce serveur",
    "legalDataHeading": "Données publiées",
    "legalData":
      "Le registre publie, pour chaque service de prévention et de santé au travail interentreprises inscrit, son niveau AMEXIST, sa situation, les dates des décisions et l'organisme certificateur. Ces informations concernent des personnes morales ; aucune donnée sur des personnes physiques n'y est publiée.",
    "legalLicence": "Les données du registre sont réutilisables sous",
    "legalPrivacyHeading": "Données personnelles et cookies",
    "legalPrivacy":
      "Le site ne dépose aucun cookie et n'utilise aucun outil de mesure d'audience. Le journal du serveur note, pour chaque requête, la route, le code de réponse et la durée, jamais l'adresse demandée ni la recherche saisie ; les adresses IP servent à limiter le nombre de requêtes et ne sont pas conservées au-delà de ce besoin.",
    "legalTrustHeading": "Registre vérifiable",
    "legalTrust":
      "Chaque décision est une entrée d'un journal public signé, contresigné par des témoins indépendants ; chaque attestation se vérifie hors ligne avec le fichier de confiance publié, sans avoir à croire l'éditeur sur parole.",
    "openDataTitle": "Données ouvertes",
    "openDataLead":
      "Le registre publie la liste de tous les services inscrits, avec leur niveau, leur situation, les dates des décisions et l'organisme certificateur, mise à jour après chaque écriture.",
    "openDataFiles": "Fichiers", "openDataCSV": "Services (CSV, UTF-8, séparateur virgule)",
    "openDataJSONL": "Services (JSON Lines, un objet par ligne, comme l'API)",
    "openDataSchema": "Description des colonnes (Table Schema)",
    "openDataLicence": "Licence", "openDataCount": "Services inscrits",
    "openDataFeed":
      "Pour suivre les décisions (suspensions et retraits compris), abonnez-vous au flux Atom :",
    "openDataColumns": "Colonnes du fichier CSV", "columnName": "Colonne",
    "columnType": "Type", "columnDescription": "Contenu",
    "openDataNote":
      "Les cellules qui commenceraient par =, +, -, @ ou une tabulation sont précédées d'une apostrophe, pour qu'un tableur ne les exécute jamais comme des formules.",
    "searchTitle": "Rechercher un service",
    "searchLead":
      "Niveau AMEXIST en vigueur, historique daté des décisions et attestations vérifiables.",
    "searchLabel": "SIRET ou nom", "searchButton": "Rechercher",
    "region": "Région", "allRegions": "Toutes les régions",
    "level": "Niveau", "allLevels": "Tous les niveaux", "allStandings": "Toutes les situations",
    "service": "Service", "standing": "Situation",
    "results": "Services", "resultsFor": "Résultats pour", "noResults": "Aucun service trouvé.",
    "nextPage": "Page suivante",
    "currentLevel": "Niveau en vigueur", "noLevel": "aucun niveau en vigueur",
    "labelSection": "Label AMEXIST", "decidedLevel": "Niveau décidé",
    "noDecision": "aucun : ce service ne détient pas le label",
    "startsOn": "En vigueur à compter du", "grantedPeriod": "Période initialement accordée",
    "recordedOn": "Inscrit au registre le",
    "validFrom": "Valable depuis le", "validUntil": "Valable jusqu'au",
    "evaluator": "Évaluateur", "federation": "la fédération", "reference": "Référence",
    "reason": "Motif", "website": "Site web",
    "transfer": "Transfert", "reserves": "Réserves", "succession": "Succession",
    "certifiedBy": "Certifié par", "lastRefusal": "Dernier refus",
    "bodyServices": "Services dont il a décidé le niveau",
    "noBodyServices": "Aucun service ne détient actuellement un niveau décidé par cet organisme.",
    "reservesOverdue": "réserves non levées",
    "successorIs": "Activité reprise par", "predecessorIs": "Reprend l'activité de",
    "since": "depuis le",
    "attestations": "Attestations", "attestationOf": "Attestation du",
    "history": "Historique", "corrected": "corrigé par une décision ultérieure",
    "logEntry": "Entrée du journal n°", "jsonVersion": "Version JSON",
    "attestationTitle": "Attestation AMEXIST",
    "decided": "Décision du", "issuedAt": "Délivrée le", "identifier": "Identifiant",
    "checksMade": "Vérifications effectuées", "checkPassed": "réussi :",
    "checkFailed": "échec :",
    "downloads": "Téléchargements",
    "downloadBundle": "Attestation signée avec sa preuve de journalisation (.amexist.json)",
    "downloadPDF": "Attestation imprimable (PDF, l'attestation signée en pièce jointe)",
    "badgeEmbed": "Pour afficher ce badge sur votre site, avec un lien vers cette page :",
    "verifyOffline":
      "Le fichier téléchargé se vérifie hors ligne : amexist verify FICHIER --trust amexist-trust.json",
    "verifyTitle": "Vérifier une attestation", "verdict": "Résultat",
    "verifyLabel": "Collez le contenu du fichier .amexist.json ou le jeton JWS",
    "verifyButton": "Vérifier",
    "offlineTitle": "Vérifier hors ligne avec un instantané de statut",
    "offlineHelp":
      "Sans réseau, cette page vérifie dans le navigateur la signature du fichier .amexist.json ci-dessus et son état dans un instantané de statut (téléchargé depuis /status), avec les clés publiées par le registre.",
    "offlineSnapshot": "Instantané de statut (fichier de /status)",
    "offlineButton": "Vérifier hors ligne",
    "verifyFile": "Choisir le fichier .amexist.json ou le PDF",
    "verifyHelp":
      "La vérification contrôle la signature avec les clés publiées, la preuve d'inscription au journal et l'état actuel dans le registre. Seuls les champs vérifiés sont affichés.",
    "backToSearch": "Retour à la recherche",
    "notFound": "Page introuvable", "badRequest": "Demande invalide",
    "unregistered": "Service non inscrit",
    "tooMany": "Trop de demandes", "unavailable": "Service momentanément indisponible",
    "tooLarge": "Contenu trop volumineux", "timeout": "Délai dépassé",
    "notAllowed": "Méthode non autorisée", "unsupportedType": "Type de contenu non pris en charge",
  ]

  static let english: [String: String] = [
    "lang": "en", "otherLang": "fr", "otherLanguageName": "Français",
    "siteName": "AMEXIST Registry",
    "skipToContent": "Skip to content", "navigation": "Main navigation",
    "navSearch": "Search", "navVerify": "Verify an attestation",
    "navBodies": "Certifying bodies", "navLog": "Log and witnesses",
    "logTitle": "Log and witnesses",
    "logLead":
      "Every decision is an entry of a public log; independent witnesses cosign its checkpoints, so that no one can show a verifier another log.",
    "logSize": "Log entries", "logOrigin": "Origin",
    "witnessQuorum": "Witness quorum",
    "witnessQuorumValue": "{k} distinct cosignatures from tree size {fromSize}",
    "noQuorum": "none: checkpoints carry only the log's signature",
    "witnessName": "Witness", "witnessCosigned": "Newest cosignature",
    "witnessLag": "Lag", "witnessLagValue": "{n} entries", "witnessUpToDate": "up to date",
    "witnessNever": "never", "witnessRetired": "retired on {until}",
    "witnessAnswer": "Last answer", "noWitnesses": "No witness is listed.",
    "bodiesTitle": "Certifying bodies",
    "bodiesLead":
      "The accredited bodies that sign their certification decisions, with their accreditation and public keys.",
    "accreditation": "Accreditation", "accreditationScope": "Scope",
    "accreditationWindow": "Accreditation period", "bodyKeys": "Signing keys",
    "noBodyKeys": "no key recorded", "noBodies": "No certifying body is registered.",
    "footer":
      "The public, tamper-evident register of the AMEXIST label of inter-company occupational health services.",
    "trustFile": "Trust file", "logCheckpoint": "Log checkpoint",
    "openData": "Open data", "decisionFeed": "Decision feed (Atom)",
    "apiTitle": "The registry's API",
    "apiLead":
      "Every page of the registry is also JSON; this page describes each address, its parameters and its answers, as the server applies them, from the OpenAPI document.",
    "apiDocument": "Source document:", "apiVersion": "version",
    "apiConventions":
      "Refusals are JSON objects {error, message, explanation} when JSON is asked for; every response carries the security headers; over the quota, 429 with Retry-After.",
    "apiPublic": "Public reads and verification",
    "apiAdmin": "Administration (token required)",
    "apiAdminLead":
      "These addresses need an admin token (Authorization: Bearer), made by `amexist token create`; writes accept an Idempotency-Key header.",
    "apiParameter": "Parameter", "apiIn": "In", "apiRequired": "Required", "apiValues": "Values",
    "apiBody": "Request body:",
    "accessibility": "Accessibility: not compliant", "legalNotice": "Legal notice",
    "a11yTitle": "Accessibility statement",
    "a11yCommitment":
      "The registry's publisher undertakes to make this site accessible, as article 47 of French law no. 2005-102 of 11 February 2005 requires. This statement covers every page of the registry.",
    "a11yStateHeading": "Compliance status",
    "a11yState": "The registry is not compliant with RGAA 4.1.",
    "a11yStateReason":
      "No complete audit against the French accessibility standard (RGAA) has been made yet: without an audit, the regulation requires the site to be declared not compliant, even though the checks below pass.",
    "a11yChecksHeading": "What is checked",
    "a11yCheckAxe":
      "On every change to the software, every page (search, service, attestation, verification, bodies, log, open data, these pages) is analysed by axe-core in Chromium at 1280 and 390 pixels wide: no violation is accepted.",
    "a11yCheckWidths":
      "No page scrolls sideways at 320, 390 or 1280 pixels; on a phone, each search result shows the service, its level and its standing.",
    "a11yCheckKeyboard":
      "Everything works from the keyboard: a skip link leads to the content, and the focus outline contrasts more than 3:1 with its background.",
    "a11yCheckContrast":
      "Standings (in force, suspended, withdrawn, expired) are written out and never rely on colour alone.",
    "a11yCheckLanguage":
      "Every page declares its language; French and English are offered on every page.",
    "a11yLimitsHeading": "Known limits",
    "a11yLimitPDF":
      "The printable attestation (PDF) is not tagged for screen readers; the same attestation reads as HTML on its verification page.",
    "a11yLimitScreenReader":
      "The site has not yet been tested with screen readers (NVDA, VoiceOver) by people who use them.",
    "a11yContactHeading": "Feedback and contact",
    "a11yContact":
      "If you cannot reach some content or a service, write to the registry's publisher for an accessible alternative:",
    "a11yRecourse": "If the answer does not satisfy you, you may refer the matter to the",
    "a11yDate": "Statement made on 3 December 2026.",
    "legalTitle": "Legal notice", "legalPublisher": "Publisher of the registry",
    "legalOrigin": "Address of the registry", "legalContact": "Contact",
    "legalNoContact": "the publisher has not published a contact address on this server",
    "legalDataHeading": "Data published",
    "legalData":
      "For each registered inter-company occupational health service, the registry publishes its AMEXIST level, its standing, the dates of its decisions and its certifying body. These are about legal entities; no data about natural persons is published.",
    "legalLicence": "The registry's data may be reused under the",
    "legalPrivacyHeading": "Personal data and cookies",
    "legalPrivacy":
      "The site sets no cookie and uses no audience measurement. The server's log notes, for each request, the route, the status and the duration, never the address asked for nor the search typed; IP addresses are used to limit the rate of requests and are not kept beyond that need.",
    "legalTrustHeading": "A registry you can verify",
    "legalTrust":
      "Each decision is an entry of a public signed log, cosigned by independent witnesses; each attestation verifies offline with the published trust file, without taking the publisher's word for it.",
    "openDataTitle": "Open data",
    "openDataLead":
      "The registry publishes the list of every registered service, with its level, its standing, the dates of its decisions and its certifying body, refreshed after each write.",
    "openDataFiles": "Files", "openDataCSV": "Services (CSV, UTF-8, comma-separated)",
    "openDataJSONL": "Services (JSON Lines, one object per line, as in the API)",
    "openDataSchema": "Column descriptions (Table Schema)",
    "openDataLicence": "Licence", "openDataCount": "Registered services",
    "openDataFeed":
      "To follow decisions (suspensions and withdrawals included), subscribe to the Atom feed:",
    "openDataColumns": "Columns of the CSV file", "columnName": "Column",
    "columnType": "Type", "columnDescription": "Content (in French)",
    "openDataNote":
      "Cells that would start with =, +, -, @ or a tab are prefixed with an apostrophe, so that a spreadsheet never runs them as formulas.",
    "searchTitle": "Find a service",
    "searchLead": "Current AMEXIST level, dated decision history and verifiable attestations.",
    "searchLabel": "SIRET or name", "searchButton": "Search",
    "region": "Region", "allRegions": "All regions",
    "level": "Level", "allLevels": "All levels", "allStandings": "Every standing",
    "service": "Service", "standing": "Standing",
    "results": "Services", "resultsFor": "Results for", "noResults": "No service found.",
    "nextPage": "Next page",
    "currentLevel": "Current level", "noLevel": "no level in force",
    "labelSection": "AMEXIST label", "decidedLevel": "Level decided",
    "noDecision": "none: this service does not hold the label",
    "startsOn": "In force from", "grantedPeriod": "Period initially granted",
    "recordedOn": "Recorded on",
    "validFrom": "Valid from", "validUntil": "Valid until",
    "evaluator": "Evaluator", "federation": "the federation", "reference": "Reference",
    "reason": "Reason", "website": "Website",
    "transfer": "Transfer", "reserves": "Réserves", "succession": "Succession",
    "certifiedBy": "Certified by", "lastRefusal": "Last refusal",
    "bodyServices": "Services whose level it decided",
    "noBodyServices": "No service currently holds a level this body decided.",
    "reservesOverdue": "réserves not lifted",
    "successorIs": "Activity taken over by", "predecessorIs": "Took over the activity of",
    "since": "since",
    "attestations": "Attestations", "attestationOf": "Attestation of",
    "history": "History", "corrected": "corrected by a later decision",
    "logEntry": "Log entry", "jsonVersion": "JSON version",
    "attestationTitle": "AMEXIST attestation",
    "decided": "Decided on", "issuedAt": "Issued on", "identifier": "Identifier",
    "checksMade": "Checks made", "checkPassed": "passed:", "checkFailed": "failed:",
    "downloads": "Downloads",
    "downloadBundle": "Signed attestation with its log proof (.amexist.json)",
    "downloadPDF": "Printable attestation (PDF, the signed attestation attached)",
    "badgeEmbed": "To show this badge on your website, linking to this page:",
    "verifyOffline":
      "The downloaded file verifies offline: amexist verify FILE --trust amexist-trust.json",
    "verifyTitle": "Verify an attestation", "verdict": "Verdict",
    "verifyLabel": "Paste the content of the .amexist.json file or the JWS token",
    "verifyButton": "Verify",
    "offlineTitle": "Verify offline with a status snapshot",
    "offlineHelp":
      "Without a network, this page checks in the browser the signature of the .amexist.json file above and its status in a status snapshot (downloaded from /status), with the keys the registry publishes.",
    "offlineSnapshot": "Status snapshot (the file from /status)",
    "offlineButton": "Verify offline",
    "verifyFile": "Choose the .amexist.json file or the PDF",
    "verifyHelp":
      "Verification checks the signature with the published keys, the proof that the log holds the attestation and its current status in the registry. Only verified fields are shown.",
    "backToSearch": "Back to search",
    "notFound": "Page not found", "badRequest": "Bad request",
    "unregistered": "Service not registered",
    "tooMany": "Too many requests", "unavailable": "Service temporarily unavailable",
    "tooLarge": "Content too large", "timeout": "Request timed out",
    "notAllowed": "Method not allowed", "unsupportedType": "Unsupported content type",
  ]
}
