// FieldView front end (anywidget ES module): draws a 2D field from a binary float32/float16
// frame with a colour table sent by the kernel; time slider and play, hover readout, line
// profile, velocity arrows, and z slices for 3D fields. Kernel side: ai4s_lab/widgets/field_view.py
// A large frame arrives as block means (`block` = [by, bx] samples a value, `shape` the blocks
// sent, `full_shape` the data's): the picture keeps the data's proportions and extent, each
// block covers its samples, and blocks padded past the far edges are clipped.

function decode(view, dtype) {
  // view: DataView (anywidget hands bytes over as a DataView) -> Float32Array
  if (!view || view.byteLength === 0) return new Float32Array(0);
  const buffer = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
  if (dtype === "float32") return new Float32Array(buffer);
  const half = new Uint16Array(buffer);
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) {
    const h = half[i];
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    if (e === 0) out[i] = s * 2 ** -14 * (f / 1024);
    else if (e === 31) out[i] = f ? NaN : s * Infinity;
    else out[i] = s * 2 ** (e - 15) * (1 + f / 1024);
  }
  return out;
}

function bytes(view) {
  if (!view || view.byteLength === 0) return new Uint8Array(0);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function el(tag, attrs = {}, parent = null) {
  const node = document.createElement(tag);
  Object.assign(node, attrs);
  if (parent) parent.appendChild(node);
  return node;
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(3) : x.toPrecision(4);
}

function render({ model, el: root }) {
  root.classList.add("ai4s-field-view");
  const wrap = el("div", { style: "font: 12px sans-serif; display: inline-block" }, root);
  const bar = el("div", { style: "display:flex; gap:6px; align-items:center; margin-bottom:4px" }, wrap);
  const play = el("button", { textContent: "▶", title: "play / pause", className: "fv-play" }, bar);
  const slider = el("input", { type: "range", min: 0, step: 1, className: "fv-time", style: "width:180px" }, bar);
  const tlabel = el("span", { className: "fv-tlabel", style: "min-width:70px" }, bar);
  const fps = el("input", { type: "number", min: 1, max: 60, title: "frames per second", style: "width:42px" }, bar);
  el("span", { textContent: "fps" }, bar);
  const cmap = el("select", { title: "colour map", className: "fv-cmap" }, bar);
  for (const name of ["viridis", "magma", "RdBu_r", "gray"]) el("option", { value: name, textContent: name }, cmap);
  const range = el("select", { title: "colour range", className: "fv-range" }, bar);
  for (const name of ["auto", "symmetric", "fixed"]) el("option", { value: name, textContent: name }, range);
  const zbox = el("span", { style: "display:none" }, bar);
  el("span", { textContent: " z " }, zbox);
  const zslider = el("input", { type: "range", min: 0, step: 1, style: "width:80px" }, zbox);
  const note = el("span", { className: "fv-note", style: "opacity:.6" }, bar);

  const stage = el("div", { style: "position:relative; display:inline-block; overflow:hidden" }, wrap);
  const canvas = el("canvas", { className: "fv-canvas", style: "image-rendering:pixelated; display:block; position:absolute; left:0; bottom:0" }, stage);
  const overlay = el("canvas", { style: "position:absolute; left:0; top:0; cursor:crosshair" }, stage);
  const colorbar = el("canvas", { width: 16, height: 256, style: "display:inline-block; margin-left:6px; vertical-align:top" }, wrap);
  const cblabel = el("div", { style: "display:inline-flex; flex-direction:column; justify-content:space-between; vertical-align:top; margin-left:4px" }, wrap);
  const readout = el("div", { className: "fv-readout", style: "height:16px; margin-top:2px; font-family:monospace" }, wrap);
  const prof = el("canvas", { className: "fv-profile", width: 360, height: 110, style: "display:none; margin-top:4px; border:1px solid #ddd" }, wrap);

  let frame = new Float32Array(0);
  let timer = null;
  let drag = null;

  const dims = () => model.get("shape"); // [ny, nx] of the frame sent (blocks)
  const full = () => {
    const shape = model.get("full_shape"); // [ny, nx] of the data
    return shape && shape[0] > 0 ? shape : dims();
  };
  const blocks = () => model.get("block") || [1, 1]; // [by, bx] samples a value sent
  const size = () => {
    const [ny, nx] = full();
    const h = model.get("height");
    return [Math.max(1, Math.round((h * nx) / Math.max(ny, 1))), h];
  };
  const toData = (px, py) => {
    const [w, h] = size();
    const [x0, x1, y0, y1] = model.get("extent");
    return [x0 + (px / w) * (x1 - x0), y1 - (py / h) * (y1 - y0)];
  };
  const toPixel = (x, y) => {
    const [w, h] = size();
    const [x0, x1, y0, y1] = model.get("extent");
    return [((x - x0) / (x1 - x0)) * w, ((y1 - y) / (y1 - y0)) * h];
  };
  // The extent spans whole cells centred on the data's samples: the cell under (x, y) is
  // the nearest sample; its value is that of the block holding it, returned with the centre
  // of the block's samples (an edge block holds fewer) and how many rows and columns it holds.
  const nearest = (x, y) => {
    const [ny, nx] = dims();
    const [fy, fx] = full();
    const [by, bx] = blocks();
    const [x0, x1, y0, y1] = model.get("extent");
    const sj = Math.min(fx - 1, Math.max(0, Math.floor(((x - x0) / (x1 - x0)) * fx)));
    const si = Math.min(fy - 1, Math.max(0, Math.floor(((y - y0) / (y1 - y0)) * fy)));
    const j = Math.min(nx - 1, Math.floor(sj / bx));
    const i = Math.min(ny - 1, Math.floor(si / by));
    const [ja, jb] = [j * bx, Math.min(fx, (j + 1) * bx)]; // samples ja to jb - 1
    const [ia, ib] = [i * by, Math.min(fy, (i + 1) * by)];
    const xj = x0 + ((ja + jb) / 2 / fx) * (x1 - x0);
    const yi = y0 + ((ia + ib) / 2 / fy) * (y1 - y0);
    return [xj, yi, frame[i * nx + j], ib - ia, jb - ja];
  };
  const blocked = () => blocks()[0] * blocks()[1] > 1;
  const sample = (x, y) => nearest(x, y)[2];

  function draw() {
    const [ny, nx] = dims();
    if (frame.length !== nx * ny || nx === 0) return;
    const lut = bytes(model.get("lut"));
    const lo = model.get("vmin");
    const hi = model.get("vmax");
    const span = hi > lo ? hi - lo : 1;
    canvas.width = nx;
    canvas.height = ny;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(nx, ny);
    const px = image.data;
    for (let i = 0; i < ny; i++) {
      const row = (ny - 1 - i) * nx; // y grows upwards
      for (let j = 0; j < nx; j++) {
        const v = frame[i * nx + j];
        const o = 4 * (row + j);
        if (!Number.isFinite(v)) {
          px[o] = px[o + 1] = px[o + 2] = 128;
        } else {
          let k = Math.round(((v - lo) / span) * 255);
          k = k < 0 ? 0 : k > 255 ? 255 : k;
          px[o] = lut[3 * k];
          px[o + 1] = lut[3 * k + 1];
          px[o + 2] = lut[3 * k + 2];
        }
        px[o + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    const [w, h] = size();
    const [fy, fx] = full();
    const [by, bx] = blocks();
    // ny blocks of by rows cover ny * by >= fy rows: the padding sticks out (top, right), clipped
    canvas.style.width = `${(w * nx * bx) / fx}px`;
    canvas.style.height = `${(h * ny * by) / fy}px`;
    stage.style.width = `${w}px`;
    stage.style.height = `${h}px`;
    overlay.width = w;
    overlay.height = h;
    colorbar.height = h;
    colorbar.style.height = `${h}px`;
    const cctx = colorbar.getContext("2d");
    for (let y = 0; y < h; y++) {
      const k = Math.round((1 - y / Math.max(h - 1, 1)) * 255);
      cctx.fillStyle = `rgb(${lut[3 * k]},${lut[3 * k + 1]},${lut[3 * k + 2]})`;
      cctx.fillRect(0, y, 16, 1);
    }
    cblabel.style.height = `${h}px`;
    cblabel.innerHTML = `<span>${fmt(hi)}</span><span style="opacity:.6">${model.get("name")} ${model.get("units")}</span><span>${fmt(lo)}</span>`;
    drawOverlay();
    drawProfile();
    const index = model.get("frame_index");
    const t = model.get("times")[index];
    const label = model.get("time_labels")[index];
    tlabel.textContent = label ?? (t === undefined ? "" : `${model.get("time_name")} = ${fmt(t)}`);
    root.dataset.frameIndex = String(model.get("frame_index"));
  }

  function drawOverlay() {
    const ctx = overlay.getContext("2d");
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    const vshape = model.get("vector_shape");
    if (vshape.length === 3) {
      const vec = decode(model.get("vector_frame"), "float32");
      const [, my, mx] = vshape;
      // NaN marks no vector (land in an ocean field): it must not spoil the scale of the rest.
      let peak = 0;
      for (let k = 0; k < vec.length; k++) {
        if (Number.isFinite(vec[k])) peak = Math.max(peak, Math.abs(vec[k]));
      }
      const [w, h] = size();
      const cell = Math.min(w / mx, h / my);
      ctx.strokeStyle = "rgba(0,0,0,0.75)";
      ctx.lineWidth = 1;
      for (let i = 0; i < my; i++) {
        for (let j = 0; j < mx; j++) {
          const u = vec[i * mx + j] / (peak || 1);
          const v = vec[my * mx + i * mx + j] / (peak || 1);
          if (!Number.isFinite(u) || !Number.isFinite(v)) continue;
          const cx = ((j + 0.5) / mx) * w;
          const cy = h - ((i + 0.5) / my) * h;
          const ex = cx + 0.9 * cell * u;
          const ey = cy - 0.9 * cell * v;
          ctx.beginPath();
          ctx.moveTo(cx, cy);
          ctx.lineTo(ex, ey);
          const a = Math.atan2(ey - cy, ex - cx);
          ctx.lineTo(ex - 3 * Math.cos(a - 0.5), ey - 3 * Math.sin(a - 0.5));
          ctx.stroke();
        }
      }
    }
    const line = model.get("profile");
    if (line.length === 4) {
      const [ax, ay] = toPixel(line[0], line[1]);
      const [bx, by] = toPixel(line[2], line[3]);
      ctx.strokeStyle = "#ff2d2d";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
    }
  }

  function drawProfile() {
    const line = model.get("profile");
    if (line.length !== 4) {
      prof.style.display = "none";
      return;
    }
    prof.style.display = "block";
    const n = 200;
    const values = [];
    for (let k = 0; k < n; k++) {
      const s = k / (n - 1);
      values.push(sample(line[0] + s * (line[2] - line[0]), line[1] + s * (line[3] - line[1])));
    }
    const finite = values.filter(Number.isFinite);
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    const ctx = prof.getContext("2d");
    ctx.clearRect(0, 0, prof.width, prof.height);
    ctx.strokeStyle = "#1f5fbf";
    ctx.beginPath();
    values.forEach((v, k) => {
      const x = 30 + (k / (n - 1)) * (prof.width - 40);
      const y = prof.height - 15 - ((v - lo) / (hi - lo || 1)) * (prof.height - 25);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = "#333";
    ctx.fillText(fmt(hi), 2, 12);
    ctx.fillText(fmt(lo), 2, prof.height - 4);
    ctx.fillText(`profile along the red line${blocked() ? " (block means)" : ""}`, 60, 12);
  }

  function syncControls() {
    slider.max = String(Math.max(0, model.get("n_frames") - 1));
    slider.value = String(model.get("index"));
    fps.value = String(model.get("fps"));
    cmap.value = model.get("colormap");
    range.value = model.get("range_mode");
    const ns = model.get("n_slices");
    zbox.style.display = ns > 1 ? "inline" : "none";
    zslider.max = String(Math.max(0, ns - 1));
    zslider.value = String(model.get("slice_index"));
    play.textContent = model.get("playing") ? "❚❚" : "▶";
    note.textContent = model.get("resolution_note");
  }

  function setIndex(i) {
    model.set("index", i);
    model.save_changes();
  }

  function tick() {
    // advance only once the kernel has delivered the frame asked for (no message pile-up)
    if (model.get("frame_index") !== model.get("index")) return;
    const n = model.get("n_frames");
    if (n > 1) setIndex((model.get("index") + 1) % n);
  }

  function setPlaying(on) {
    if (timer) clearInterval(timer);
    timer = null;
    if (on) timer = setInterval(tick, 1000 / Math.max(1, model.get("fps")));
  }

  play.addEventListener("click", () => {
    model.set("playing", !model.get("playing"));
    model.save_changes();
  });
  slider.addEventListener("input", () => setIndex(Number(slider.value)));
  zslider.addEventListener("input", () => {
    model.set("slice_index", Number(zslider.value));
    model.save_changes();
  });
  fps.addEventListener("change", () => {
    // whole frames per second, 1 to 60 (the kernel's trait is an integer); text: keep the old
    const asked = Math.round(Number(fps.value));
    if (fps.value.trim() !== "" && Number.isFinite(asked)) {
      model.set("fps", Math.min(60, Math.max(1, asked)));
      model.save_changes();
    }
    fps.value = String(model.get("fps"));
  });
  cmap.addEventListener("change", () => {
    model.set("colormap", cmap.value);
    model.save_changes();
  });
  range.addEventListener("change", () => {
    model.set("range_mode", range.value);
    model.save_changes();
  });
  overlay.addEventListener("mousemove", (event) => {
    const [x, y] = toData(event.offsetX, event.offsetY);
    const [yName, xName] = model.get("axis_names");
    const [xs, ys, value, rows, cols] = nearest(x, y);
    const mean = blocked() ? ` (mean of ${rows}×${cols} block)` : "";
    readout.textContent = `${xName} = ${fmt(xs)}, ${yName} = ${fmt(ys)}, ${model.get("name")} = ${fmt(value)}${mean}`;
    if (drag && event.buttons === 0) {
      endDrag(event); // released where the view did not see it
    } else if (drag) {
      model.set("profile", [drag[0], drag[1], x, y]);
      drawOverlay();
    }
  });
  overlay.addEventListener("mouseleave", () => {
    readout.textContent = "";
  });
  // A drag ends where the button is released, inside the view or not (then at the edge).
  const endDrag = (event) => {
    window.removeEventListener("mouseup", endDrag);
    if (!drag) return;
    const rect = overlay.getBoundingClientRect();
    const px = Math.min(Math.max(event.clientX - rect.left, 0), rect.width);
    const py = Math.min(Math.max(event.clientY - rect.top, 0), rect.height);
    const [x, y] = toData(px, py);
    const moved = Math.hypot(x - drag[0], y - drag[1]) > 0;
    model.set("profile", moved ? [drag[0], drag[1], x, y] : []);
    model.save_changes();
    drag = null;
    draw();
  };
  overlay.addEventListener("mousedown", (event) => {
    drag = toData(event.offsetX, event.offsetY);
    window.addEventListener("mouseup", endDrag);
  });

  const onFrame = () => {
    frame = decode(model.get("frame"), model.get("frame_dtype"));
    syncControls();
    draw();
  };
  model.on("change:frame", onFrame);
  model.on("change:lut change:vmin change:vmax change:profile change:vector_frame", draw);
  model.on("change:n_frames change:index change:colormap change:range_mode change:fps change:slice_index", syncControls);
  model.on("change:playing", () => {
    syncControls();
    setPlaying(model.get("playing"));
  });
  model.on("change:fps", () => setPlaying(model.get("playing")));
  onFrame();
  setPlaying(model.get("playing"));
  return () => {
    setPlaying(false);
    window.removeEventListener("mouseup", endDrag);
  };
}

export default { render };
