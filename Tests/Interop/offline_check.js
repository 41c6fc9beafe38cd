// Runs the verify page's offline check (Sources/RegistryServer/Resources/verify.js) outside a
// browser, with Node's WebCrypto: node offline_check.js TRUST_JSON BUNDLE SNAPSHOT [NOW] [LANG]
// prints {code, message, notChecked}. The trust file's issuer and status keys are read here as
// the page embeds them.
"use strict";
const fs = require("fs");
const path = require("path");
const { offlineCheck } = require(path.join(__dirname, "../../Sources/RegistryServer/Resources/verify.js"));

const [trustPath, bundlePath, snapshotPath, now, language] = process.argv.slice(2);
const file = JSON.parse(fs.readFileSync(trustPath, "utf8"));
const signed = file.registry ? file.registry.signed : file;
const issuer = file.root ? file.root.signed.issuer : file.issuer;
const trust = {
  issuer,
  keys: signed.keys.filter((k) => k.use !== "status"),
  statusKeys: signed.keys.filter((k) => k.use === "status"),
};
offlineCheck(
  fs.readFileSync(bundlePath, "utf8"), fs.readFileSync(snapshotPath, "utf8"), trust,
  now ? new Date(now) : new Date(), language || "fr"
).then((result) => console.log(JSON.stringify(result)));
