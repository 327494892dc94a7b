// The KEDA and Prometheus Operator resources of deploy/k8s against the schemas their npm models carry (generated from
// the operators' own API types: required fields, types, enums): a JSON list of documents on stdin, a JSON list on
// stdout of null (valid) or the first error of each. Run by tests/deploy/test_k8s_schemas.py.
import { readFileSync } from "node:fs";
const docs = JSON.parse(readFileSync(0, "utf8"));
const out = [];
for (const doc of docs) {
  const [group, version] = doc.apiVersion.split("/");
  const pkg = { "keda.sh": "@kubernetes-models/keda", "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" }[group];
  const module = await import(`${pkg}/${group}/${version}/${doc.kind}`);
  try { new module[doc.kind](doc).validate(); out.push(null); } catch (e) { out.push(String(e.message || e)); }
}
console.log(JSON.stringify(out));
