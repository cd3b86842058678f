// Forms kept half-filled, as ODK keeps them: what a person typed in a form that is not saved yet
// survives the app being closed (or killed by the phone) and comes back when the same form opens
// again. One draft per form (its key names the form and what it is for), in IndexedDB's meta
// store under "draft:..."; dropped by Batal, by "start again", and in the save's own transaction.
import { META } from "./db.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

export const DRAFT_PREFIX = "draft:";
const QUIET_MS = 400; // written this long after the last keystroke (and at once when hidden)

export function draftKey(...parts) {
  return DRAFT_PREFIX + parts.join(":");
}

/** Every draft's key (dropped with the account). */
export function draftRange() {
  return IDBKeyRange.bound(DRAFT_PREFIX, `${DRAFT_PREFIX}\uffff`);
}

/** The values kept for a form, or null. */
export async function loadDraft(db, key) {
  const draft = await db.get(META, key);
  return draft ? draft.values : null;
}

export function keepDraft(db, key, values) {
  return db.put(META, { values, kept_at: new Date().toISOString() }, key);
}

export function dropDraft(db, key) {
  return db.delete(META, key);
}

/**
 * Keep `read()` of a form as its draft while the person types. `stop()` before saving (the save
 * drops the draft in its own transaction); `discard()` to forget it.
 */
export function keepWhileTyping(db, key, form, read) {
  let timer = 0;
  let stopped = false;
  const write = () => {
    clearTimeout(timer);
    timer = 0;
    if (!stopped) keepDraft(db, key, read()).catch(() => {});
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(write, QUIET_MS);
  };
  // The app closed or sent to the background right after a keystroke: write now, not later.
  const hidden = () => {
    if (document.visibilityState === "hidden" && timer) write();
    if (!form.isConnected && !timer) document.removeEventListener("visibilitychange", hidden);
  };
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  document.addEventListener("visibilitychange", hidden);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", hidden);
    },
    /** Stop, and forget what was kept (Batal, "mulai lagi"). */
    discard() {
      this.stop();
      dropDraft(db, key).catch(() => {});
    },
  };
}

/** The note over a form brought back from its draft, with a way to start again. */
export function draftNote(onDiscard) {
  return h(
    "div",
    { class: "card draft-note", id: "draft-note", role: "status" },
    h("p", null, t("draft_restored")),
    h("button", { type: "button", class: "btn small", id: "draft-discard", onclick: onDiscard }, t("draft_discard")),
  );
}

/** "Mulai lagi": forget the form's draft and open the form again, empty. */
export function startAgain(ctx, keeper) {
  keeper.discard();
  ctx.go(location.hash);
}
