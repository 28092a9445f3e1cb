// torii-mock's page: reads the mock through its control API and acts through the control API or
// the Backend API, with the secret key as the bearer key. Data is put into the page as text
// (textContent), never as HTML: an email or a metadata value cannot inject markup.
"use strict";

const KEY = "torii-mock-key";
const REFRESH_MS = 2000;
const API = "/api/server/v1";
const CONTROL = "/_mock/v1";

const $ = (selector) => document.querySelector(selector);
const rendered = {};

// The key arrives in the fragment (`#key=sk_test_…`), which the browser never sends; it is kept
// for this tab only and taken out of the address bar.
function takeKeyFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const key = fragment.get("key");
  if (key) {
    sessionStorage.setItem(KEY, key);
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function key() {
  return sessionStorage.getItem(KEY);
}

function showPrompt(error) {
  $("#app").hidden = true;
  $("#prompt").hidden = false;
  $("#prompt-error").textContent = error || "";
  $("#key-input").focus();
}

function say(text) {
  $("#message").textContent = text;
}

class Refused extends Error {}

// One request with the key. A 401 means the key is wrong: back to the prompt.
async function call(method, path, body) {
  const options = { method, headers: { authorization: "Bearer " + key() } };
  if (body !== undefined) {
    options.headers["content-type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (response.status === 401) {
    sessionStorage.removeItem(KEY);
    showPrompt("The mock refused this key.");
    throw new Refused("unauthorized");
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const problem = json || {};
    throw new Error(`${response.status} ${problem.code || ""}: ${problem.detail || problem.title || text}`);
  }
  return json;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function button(td, label, action, data) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.action = action;
  Object.assign(b.dataset, data);
  td.append(b);
}

function when(timestamp) {
  return timestamp ? new Date(timestamp).toLocaleString() : "";
}

function metadata(bag) {
  return bag && Object.keys(bag).length ? JSON.stringify(bag) : "{}";
}

// Re-renders a table only when its rows changed, so that focus and selection survive a refresh.
function table(id, items, columns, emptyText) {
  const signature = JSON.stringify(items);
  if (rendered[id] === signature) return;
  rendered[id] = signature;
  const body = $(`#${id} tbody`);
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow();
    const td = cell(row, emptyText, "empty");
    td.colSpan = $(`#${id} thead tr`).children.length;
    return;
  }
  for (const item of items) columns(body.insertRow(), item);
}

function render(snapshot, requests) {
  const users = new Map(snapshot.users.map((user) => [user.id, user]));
  const email = (id) => (users.get(id) || {}).email || id;

  table("users", snapshot.users, (row, user) => {
    row.dataset.userId = user.id;
    cell(row, user.email);
    cell(row, [user.firstName, user.lastName].filter(Boolean).join(" "));
    cell(row, user.status);
    cell(row, when(user.createdAt));
    const actions = row.insertCell();
    if (user.status === "active") button(actions, "Mint token", "mint", { user: user.id, email: user.email || "" });
    if (user.status === "active") button(actions, "Ban", "ban", { user: user.id });
    if (user.status === "banned") button(actions, "Unban", "unban", { user: user.id });
    if (user.status !== "deleted") button(actions, "Delete", "delete", { user: user.id });
  }, "No users yet.");

  table("sessions", snapshot.sessions, (row, session) => {
    row.dataset.sessionId = session.id;
    cell(row, email(session.userId));
    cell(row, session.id);
    cell(row, when(session.createdAt));
    cell(row, when(session.expiresAt));
    button(row.insertCell(), "Revoke", "revoke", { user: session.userId, session: session.id });
  }, "No sessions.");

  table("organizations", snapshot.organizations, (row, organization) => {
    row.dataset.organizationId = organization.id;
    cell(row, organization.name);
    cell(row, organization.slug);
    const members = snapshot.members
      .filter((member) => member.organizationId === organization.id)
      .map((member) => `${email(member.userId)} (${member.roleName || member.role})`);
    cell(row, members.join(", "));
    cell(row, when(organization.createdAt));
  }, "No organizations.");

  table("invitations", snapshot.invitations, (row, invitation) => {
    row.dataset.invitationId = invitation.id;
    cell(row, invitation.email);
    cell(row, invitation.status);
    cell(row, metadata(invitation.publicMetadata));
    cell(row, metadata(invitation.privateMetadata));
    cell(row, when(invitation.expiresAt));
  }, "No invitations.");

  const origins = JSON.stringify(snapshot.allowedOrigins);
  if (rendered.origins !== origins) {
    rendered.origins = origins;
    $("#origins").replaceChildren(...snapshot.allowedOrigins.map((origin) => {
      const item = document.createElement("li");
      item.textContent = origin;
      return item;
    }));
    if (snapshot.allowedOrigins.length === 0) $("#origins").textContent = "None.";
  }

  table("requests", requests, (row, request) => {
    cell(row, new Date(request.at).toLocaleTimeString());
    cell(row, request.operation);
    cell(row, `${request.method} ${request.pathTemplate}`);
    cell(row, request.status === null ? "dropped" : request.status, `status-${String(request.status || 0)[0]}`);
    cell(row, `${request.durationMs.toFixed(1)} ms`);
    cell(row, request.fault || "");
  }, "No API requests yet.");
}

async function refresh() {
  if (!key()) return;
  try {
    const [snapshot, log] = await Promise.all([
      call("GET", `${CONTROL}/export`),
      call("GET", `${CONTROL}/requests`),
    ]);
    $("#prompt").hidden = true;
    $("#app").hidden = false;
    render(snapshot, log.requests);
    $("#status").textContent = `live · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (!(error instanceof Refused)) $("#status").textContent = `cannot reach the mock: ${error.message}`;
  }
}

// Runs an action, says how it went, and refreshes at once.
async function act(what, action) {
  try {
    const result = await action();
    say(`${what}: done.`);
    return result;
  } catch (error) {
    if (!(error instanceof Refused)) say(`${what}: ${error.message}`);
  } finally {
    await refresh();
  }
}

function decodeClaims(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const text = atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "="));
  return JSON.stringify(JSON.parse(text), null, 2);
}

async function mint(userId, email) {
  const minted = await act(`Token for ${email}`, () => call("POST", `${CONTROL}/tokens`, { userId }));
  if (!minted) return;
  $("#token-user").textContent = email;
  $("#token-value").value = minted.token;
  $("#token-claims").textContent = decodeClaims(minted.token);
  $("#token-panel").hidden = false;
  $("#token-value").focus();
}

function onTableClick(event) {
  const target = event.target.closest("button[data-action]");
  if (!target) return;
  const { action, user, session, email } = target.dataset;
  const users = `${API}/users/${encodeURIComponent(user)}`;
  if (action === "mint") mint(user, email);
  if (action === "ban") act("Ban", () => call("POST", `${users}/ban`));
  if (action === "unban") act("Unban", () => call("POST", `${users}/unban`));
  if (action === "delete") act("Delete", () => call("DELETE", users));
  if (action === "revoke") act("Revoke", () => call("DELETE", `${users}/sessions/${encodeURIComponent(session)}`));
}

function start() {
  takeKeyFromFragment();
  $("#where").textContent = location.origin;

  $("#prompt").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("#key-input").value.trim());
    $("#key-input").value = "";
    refresh();
  });
  $("#forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    showPrompt("");
  });
  $("#create-user").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { email: form.email.value.trim() };
    if (form.firstName.value.trim()) body.firstName = form.firstName.value.trim();
    act(`Create ${body.email}`, () => call("POST", `${API}/users`, body)).then(() => form.reset());
  });
  $("#fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const fault = { type: form.type.value };
    if (fault.type === "status") fault.status = Number(form.status.value);
    const body = { fault, requests: Number(form.requests.value) };
    if (form.operation.value) body.operationId = form.operation.value;
    act("Fault", () => call("POST", `${CONTROL}/faults`, body));
  });
  $("#clear-faults").addEventListener("click", () => act("Clear faults", () => call("DELETE", `${CONTROL}/faults`)));
  $("#rotate").addEventListener("click", () => act("Rotate", () => call("POST", `${CONTROL}/keys/rotate`)));
  $("#reset").addEventListener("click", () => {
    if (confirm("Remove every user, session, organization, invitation and origin?")) {
      act("Reset", () => call("POST", `${CONTROL}/reset`));
    }
  });
  $("#token-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("#token-value").value);
      say("Token copied.");
    } catch {
      $("#token-value").select();
      say("Select and copy the token by hand: the browser refused the clipboard here.");
    }
  });
  for (const id of ["users", "sessions"]) $(`#${id}`).addEventListener("click", onTableClick);

  if (key()) refresh();
  else showPrompt("");
  setInterval(refresh, REFRESH_MS);
}

start();
