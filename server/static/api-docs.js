// The API reference page (/api/v1/docs): the OpenAPI document rendered as a list of endpoints.
fetch('/api/v1/openapi.json').then(r => r.json()).then(spec => {
  const out = document.getElementById('out');
  out.textContent = '';
  const schemas = (spec.components || {}).schemas || {};
  const byTag = {};
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const tag = (op.tags || ['other'])[0];
      (byTag[tag] = byTag[tag] || []).push([method.toUpperCase(), path, op]);
    }
  }
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; };
  const schemaText = s => JSON.stringify(s && s.$ref ? schemas[s.$ref.split('/').pop()] : s, null, 2);
  for (const [tag, ops] of Object.entries(byTag)) {
    out.appendChild(el('h2', tag));
    for (const [method, path, op] of ops) {
      const box = el('div', '', 'op');
      box.appendChild(el('span', method, 'm ' + method));
      box.appendChild(el('code', path));
      if (op.summary) box.appendChild(el('p', op.summary));
      if (op.description) box.appendChild(el('p', op.description));
      const body = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
      if (body) { const d = el('details'); d.appendChild(el('summary', 'Request body')); d.appendChild(el('pre', schemaText(body.schema))); box.appendChild(d); }
      for (const [status, resp] of Object.entries(op.responses || {})) {
        const c = resp.content && resp.content['application/json'];
        const d = el('details'); d.appendChild(el('summary', status + ' ' + (resp.description || '')));
        if (c) d.appendChild(el('pre', schemaText(c.schema)));
        box.appendChild(d);
      }
      out.appendChild(box);
    }
  }
});
