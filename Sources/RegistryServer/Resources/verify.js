// Reads the chosen file into the form, so that a person can upload it; nothing leaves the page
// until the form is sent. A bundle goes into the text area; a PDF, being binary, goes base64 into
// the hidden "pdf" field. Without JavaScript, pasting a bundle still works.
//
// With a status snapshot (GET /status, `amexist status export`), the page also checks a bundle
// offline, in the browser, with the keys the page was served with (the trust file's issuer and
// status keys): the attestation's signature, its validity dates, the snapshot's signature and
// age, and whether the snapshot lists it. It says plainly what it cannot check here: the log's
// inclusion proof and the witnesses' cosignatures (`amexist verify FILE --status SNAPSHOT` does).
"use strict";

var MESSAGES = {
  fr: {
    valid: "Valide hors ligne, état au ",
    invalid: "Non valide : ",
    unknown: "État inconnu : ",
    cannot: "Vérification hors ligne impossible dans ce navigateur : ",
    notChecked: "Non vérifié ici : la preuve d'inscription au journal et les cosignatures des témoins. Vérifiez avec « amexist verify FICHIER --status INSTANTANÉ », ou envoyez le formulaire quand le réseau revient.",
    notBundle: "le fichier n'est pas un fichier .amexist.json (collez-le, ou choisissez-le)",
    noSnapshot: "choisissez un instantané de statut (GET /status)",
    untrustedKey: "la clé qui a signé l'attestation n'est pas une clé de l'émetteur publiée",
    badSignature: "la signature de l'attestation ne correspond pas : document modifié",
    otherIssuer: "l'attestation n'a pas été émise par ce registre",
    notYet: "l'attestation n'est pas encore valide",
    expired: "l'attestation a expiré le ",
    keyRevoked: "la clé qui l'a signée a été révoquée",
    snapshotKey: "l'instantané n'est pas signé par une clé de statut du registre",
    snapshotSignature: "la signature de l'instantané ne correspond pas : instantané modifié",
    snapshotIssuer: "l'instantané vient d'un autre registre",
    stale: "l'instantané est trop ancien (périmé depuis ",
    predates: "l'instantané est antérieur à l'attestation : prenez-en un plus récent",
    listed: "l'instantané la déclare ",
    since: " depuis le ",
    reason: " (motif : ",
    statuses: { suspended: "suspendue", withdrawn: "retirée", superseded: "remplacée par une décision plus récente", revoked: "révoquée" },
    noCrypto: "il ne sait pas vérifier ces signatures (Ed25519 ou P-256)"
  },
  en: {
    valid: "Valid offline, status as of ",
    invalid: "Not valid: ",
    unknown: "Status unknown: ",
    cannot: "Offline verification is not possible in this browser: ",
    notChecked: "Not checked here: the log's inclusion proof and the witnesses' cosignatures. Verify with \"amexist verify FILE --status SNAPSHOT\", or send the form once the network is back.",
    notBundle: "this is not an .amexist.json file (paste it, or choose it)",
    noSnapshot: "choose a status snapshot (GET /status)",
    untrustedKey: "the key that signed the attestation is not a published issuer key",
    badSignature: "the attestation's signature does not match: the document was altered",
    otherIssuer: "the attestation was not issued by this registry",
    notYet: "the attestation is not valid yet",
    expired: "the attestation expired at ",
    keyRevoked: "the key that signed it was revoked",
    snapshotKey: "the snapshot is not signed by one of the registry's status keys",
    snapshotSignature: "the snapshot's signature does not match: the snapshot was altered",
    snapshotIssuer: "the snapshot comes from another registry",
    stale: "the snapshot is too old (stale since ",
    predates: "the snapshot predates the attestation: get a newer one",
    listed: "the snapshot lists it as ",
    since: " since ",
    reason: " (reason: ",
    statuses: { suspended: "suspended", withdrawn: "withdrawn", superseded: "superseded by a later decision", revoked: "revoked" },
    noCrypto: "it cannot verify these signatures (Ed25519 or P-256)"
  }
};

function base64urlBytes(text) {
  var normal = text.replace(/-/g, "+").replace(/_/g, "/");
  while (normal.length % 4) { normal += "="; }
  var binary = atob(normal), bytes = new Uint8Array(binary.length);
  for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
  return bytes;
}

function parseJWS(token) {
  var parts = String(token).trim().split(".");
  if (parts.length !== 3) { throw new Error("jws"); }
  var decoder = new TextDecoder("utf-8", { fatal: true });
  return {
    header: JSON.parse(decoder.decode(base64urlBytes(parts[0]))),
    payload: JSON.parse(decoder.decode(base64urlBytes(parts[1]))),
    signingInput: new TextEncoder().encode(parts[0] + "." + parts[1]),
    signature: base64urlBytes(parts[2])
  };
}

// Whether `jws` verifies with the public JWK `jwk` (EdDSA with Ed25519, or ES256).
async function verifies(jws, jwk) {
  var subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) { throw new Error("nocrypto"); }
  var key;
  try {
    if (jws.header.alg === "EdDSA" && jwk.kty === "OKP" && jwk.crv === "Ed25519") {
      key = await subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
      return await subtle.verify({ name: "Ed25519" }, key, jws.signature, jws.signingInput);
    }
    if (jws.header.alg === "ES256" && jwk.kty === "EC" && jwk.crv === "P-256") {
      key = await subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      return await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, jws.signature, jws.signingInput);
    }
  } catch (error) {
    throw new Error("nocrypto");
  }
  return false;
}

// Checks the bundle `bundleText` against the status snapshot `snapshotText` at `now` (a Date)
// with `trust` ({issuer, keys, statusKeys}: the trust file's, as the page embeds them). Returns
// {code: "valid" | "invalid" | "unknown" | "cannot", message, notChecked}.
async function offlineCheck(bundleText, snapshotText, trust, now, language) {
  var words = MESSAGES[language] || MESSAGES.fr;
  function result(code, message) {
    var prefix = { valid: words.valid, invalid: words.invalid, unknown: words.unknown, cannot: words.cannot }[code];
    return { code: code, message: prefix + message, notChecked: words.notChecked };
  }
  var bundle, attestation, snapshot;
  try {
    bundle = JSON.parse(bundleText);
    attestation = parseJWS(bundle.jws);
  } catch (error) { return result("invalid", words.notBundle); }
  var index = /(?:^|\n)index (\d+)\n/.exec(bundle.log && bundle.log.proof || "");
  if (!index) { return result("invalid", words.notBundle); }
  if (!snapshotText || !String(snapshotText).trim()) { return result("unknown", words.noSnapshot); }
  try { snapshot = parseJWS(snapshotText); } catch (error) { return result("invalid", words.snapshotSignature); }
  try {
    var key = trust.keys.filter(function (k) { return k.kid === attestation.header.kid; })[0];
    if (!key || attestation.header.typ !== "vc+jwt") { return result("invalid", words.untrustedKey); }
    if (!(await verifies(attestation, key.jwk))) { return result("invalid", words.badSignature); }
    var claims = attestation.payload;
    var issuer = typeof claims.issuer === "string" ? claims.issuer : claims.issuer && claims.issuer.id;
    if (issuer !== trust.issuer) { return result("invalid", words.otherIssuer); }
    var issued = new Date(claims.validFrom), until = new Date(claims.validUntil);
    if (new Date(key.validFrom) > issued || (key.validUntil && new Date(key.validUntil) <= issued)) {
      return result("invalid", words.untrustedKey);
    }
    if (key.revokedAt && new Date(key.revokedAt) <= issued) { return result("invalid", words.keyRevoked); }
    if (now.getTime() < issued.getTime() - 60000) { return result("invalid", words.notYet); }
    if (now >= until) { return result("invalid", words.expired + claims.validUntil); }
    var statusKey = trust.statusKeys.filter(function (k) { return k.kid === snapshot.header.kid; })[0];
    if (!statusKey || snapshot.header.typ !== "amexist-status+jwt") { return result("invalid", words.snapshotKey); }
    if (!(await verifies(snapshot, statusKey.jwk))) { return result("invalid", words.snapshotSignature); }
    var status = snapshot.payload;
    if (status.issuer !== trust.issuer) { return result("invalid", words.snapshotIssuer); }
    var limit = new Date(new Date(status.nextUpdate).getTime() + 3600000);
    if (now > limit) { return result("unknown", words.stale + limit.toISOString() + ")"); }
    var size = parseInt(String(status.checkpoint).split("\n")[1], 10);
    if (!(Number(index[1]) < size)) { return result("unknown", words.predates); }
    var listed = (status.attestations || []).filter(function (a) { return a.id === claims.id; })[0];
    if (listed) {
      return result("invalid", words.listed + (words.statuses[listed.status] || listed.status) + words.since + listed.since + (listed.reason ? words.reason + listed.reason + ")" : ""));
    }
    return result("valid", status.issued);
  } catch (error) {
    if (error && error.message === "nocrypto") { return result("cannot", words.noCrypto); }
    return result("invalid", words.snapshotSignature);
  }
}

if (typeof module !== "undefined") { module.exports = { offlineCheck: offlineCheck }; }

if (typeof document !== "undefined") {
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("file");
    var area = document.getElementById("document");
    var pdf = document.getElementById("pdf");
    if (!input || !area || !pdf) { return; }
    input.hidden = false;
    document.getElementById("file-label").hidden = false;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      var isPDF = file.type === "application/pdf" || /\.pdf$/i.test(file.name);
      var limit = isPDF ? 131072 : 65536;
      if (file.size > limit) {
        area.value = ""; pdf.value = "";
        input.setCustomValidity((limit / 1024) + " KiB max."); input.reportValidity(); return;
      }
      input.setCustomValidity("");
      if (isPDF) {
        file.arrayBuffer().then(function (buffer) {
          var bytes = new Uint8Array(buffer), binary = "";
          for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
          pdf.value = btoa(binary);
          area.value = ""; area.required = false; area.placeholder = file.name;
        });
      } else {
        pdf.value = ""; area.required = true; area.placeholder = "";
        file.text().then(function (text) { area.value = text.trim(); });
      }
    });

    // The offline check, with a status snapshot.
    var offline = document.getElementById("offline");
    var snapshotInput = document.getElementById("snapshot");
    var button = document.getElementById("check-offline");
    var output = document.getElementById("offline-result");
    if (!offline || !snapshotInput || !button || !output) { return; }
    offline.hidden = false;
    var trust = JSON.parse(offline.getAttribute("data-trust") || "{}");
    var language = document.documentElement.lang === "en" ? "en" : "fr";
    button.addEventListener("click", function () {
      var file = snapshotInput.files && snapshotInput.files[0];
      var read = file && file.size <= 8388608 ? file.text() : Promise.resolve("");
      read.then(function (snapshotText) {
        return offlineCheck(area.value, snapshotText, trust, new Date(), language);
      }).then(function (checked) {
        output.textContent = "";
        var verdict = document.createElement("p");
        verdict.className = "verdict verdict-" + (checked.code === "valid" ? "valid" : "invalid");
        var strong = document.createElement("strong");
        strong.textContent = checked.message;
        verdict.appendChild(strong);
        var note = document.createElement("p");
        note.textContent = checked.notChecked;
        output.appendChild(verdict);
        output.appendChild(note);
      });
    });
  });
}
