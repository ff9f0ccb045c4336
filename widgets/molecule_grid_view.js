// Front end of ai4s_lab.widgets.MoleculeGridView: renders the page of SVG depictions that the
// kernel sends in `cells`, and sends paging, sort, filter and selection changes back.

function render({ model, el }) {
  el.classList.add("ai4s-molecule-grid");
  const bar = document.createElement("div");
  bar.style.cssText = "display:flex;gap:6px;align-items:center;font:12px sans-serif;margin:4px 0";
  const prev = document.createElement("button");
  prev.textContent = "‹";
  const next = document.createElement("button");
  next.textContent = "›";
  const info = document.createElement("span");
  const sort = document.createElement("select");
  const order = document.createElement("button");
  const filter = document.createElement("input");
  filter.placeholder = "filter, e.g. MW < 300 and logP > 1";
  filter.style.width = "260px";
  const error = document.createElement("span");
  error.style.color = "#b00";
  bar.append(prev, info, next, "sort", sort, order, filter, error);
  const grid = document.createElement("div");
  grid.style.cssText = "display:flex;flex-wrap:wrap;gap:4px";
  el.append(bar, grid);

  prev.onclick = () => {
    if (model.get("page") > 0) { model.set("page", model.get("page") - 1); model.save_changes(); }
  };
  next.onclick = () => {
    if (model.get("page") + 1 < model.get("n_pages")) {
      model.set("page", model.get("page") + 1); model.save_changes();
    }
  };
  sort.onchange = () => { model.set("sort_by", sort.value); model.save_changes(); };
  order.onclick = () => { model.set("ascending", !model.get("ascending")); model.save_changes(); };
  const applyFilter = () => {
    if (filter.value !== model.get("filter")) { model.set("filter", filter.value); model.save_changes(); }
  };
  filter.onchange = applyFilter;
  // Enter applies the filter at once (inside JupyterLab no change event comes before blur).
  filter.onkeydown = (event) => {
    if (event.key === "Enter") { event.preventDefault(); applyFilter(); }
  };

  function draw() {
    const page = model.get("page");
    info.textContent = `page ${page + 1} / ${model.get("n_pages")} (${model.get("n_rows")} molecules)`;
    order.textContent = model.get("ascending") ? "↑" : "↓";
    error.textContent = model.get("error");
    const options = [""].concat(model.get("sortable"));
    if (sort.options.length !== options.length) {
      sort.replaceChildren(...options.map((name) => {
        const o = document.createElement("option"); o.value = name; o.textContent = name || "(input order)"; return o;
      }));
    }
    sort.value = model.get("sort_by");
    // the kernel's filter (set from Python) shows in the box, unless the user is typing in it
    if (document.activeElement !== filter) filter.value = model.get("filter");
    const selected = new Set(model.get("selected_rows"));
    grid.replaceChildren(...model.get("cells").map((cell) => {
      const card = document.createElement("div");
      card.className = "ai4s-molecule-cell";
      card.dataset.row = String(cell.row);
      const on = selected.has(cell.row);
      card.style.cssText = `border:2px solid ${on ? "#d62728" : "#ddd"};padding:2px;width:224px;cursor:pointer;font:11px sans-serif`;
      card.innerHTML = cell.svg;
      const caption = document.createElement("div");
      caption.textContent = Object.entries(cell.values).map(([k, v]) => `${k}: ${v}`).join("  ");
      card.append(caption);
      card.onclick = () => {
        const rows = model.get("selected_rows").slice();
        const at = rows.indexOf(cell.row);
        if (at >= 0) rows.splice(at, 1); else rows.push(cell.row);
        model.set("selected_rows", rows);
        model.save_changes();
      };
      return card;
    }));
  }
  for (const name of ["cells", "page", "n_pages", "n_rows", "error", "ascending", "sort_by", "selected_rows", "filter"]) {
    model.on(`change:${name}`, draw);
  }
  draw();
}

export default { render };
