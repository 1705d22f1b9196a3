#!/usr/bin/env python3
"""Scores campaign grouping and flagging in a Casework SQLite database
against the labels written by bench/campaigngen.py.

  python3 bench/campaign_quality.py LABELS_CSV DB [--no-fail]

Reads `SELECT message_id, campaign_id, flagged FROM correspondence WHERE
direction = 'in'` and joins it to the labels by Message-ID. Grouping is
scored pairwise: predicted clusters are campaign ids (a message without one
is alone), true clusters are the label groups; precision = shared pairs /
predicted pairs, recall = shared pairs / labelled pairs. Labelled messages
missing from the database count as ungrouped and unflagged. Flagging:
share of copies with a casework addition that are flagged, and share of
plain copies (no addition) that are. Exits 1 if precision or recall is below
0.98, flagged_casework below 0.95 or flagged_plain above 0.02."""
import argparse, csv, sqlite3, sys
from collections import Counter, defaultdict


def pairs(n):
    return n * (n - 1) // 2


def clean(mid):
    return (mid or "").strip().strip("<>").strip()


def main():
    ap = argparse.ArgumentParser(description="Campaign grouping and flagging quality against campaigngen labels.")
    ap.add_argument("labels")
    ap.add_argument("db")
    ap.add_argument("--no-fail", action="store_true", help="always exit 0")
    a = ap.parse_args()

    with open(a.labels, newline="") as f:
        labels = [r for r in csv.DictReader(f)]
    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    db, dups = {}, 0
    for mid, cid, flagged in con.execute("SELECT message_id, campaign_id, flagged FROM correspondence WHERE direction = 'in'"):
        mid = clean(mid)
        if mid in db:
            dups += 1
            continue
        db[mid] = (cid, bool(flagged))
    con.close()

    missing = [r["message_id"] for r in labels if clean(r["message_id"]) not in db]
    label_ids = {clean(r["message_id"]) for r in labels}
    extra = sum(1 for m in db if m not in label_ids)
    print(f"{len(labels)} labelled messages, {len(db)} incoming in the database"
          + (f", {extra} not in the labels" if extra else "") + (f", {dups} duplicate Message-IDs ignored" if dups else ""))
    if missing:
        print(f"MISSING from the database: {len(missing)} labelled messages (scored as ungrouped, unflagged), e.g. "
              + ", ".join(missing[:5]))

    # Pairwise precision and recall by counting.
    pred_of, cells, pred_n, true_n = {}, Counter(), Counter(), Counter()
    for r in labels:
        mid = clean(r["message_id"])
        cid = db.get(mid, (None, False))[0]
        p = ("c", cid) if cid is not None else ("alone", mid)
        pred_of[mid] = p
        cells[(p, r["group"])] += 1
        pred_n[p] += 1
        true_n[r["group"]] += 1
    tp = sum(pairs(n) for n in cells.values())
    pp = sum(pairs(n) for n in pred_n.values())
    tt = sum(pairs(n) for n in true_n.values())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    print(f"pairs: {tp} shared, {pp} predicted, {tt} labelled -> precision {precision:.5f}, recall {recall:.5f}")

    # Flags.
    def share(rows):
        rows = list(rows)
        return (sum(1 for r in rows if db.get(clean(r["message_id"]), (None, False))[1]) / len(rows), len(rows)) if rows else (None, 0)
    camp = [r for r in labels if r["kind"] == "campaign"]
    fc, ncw = share(r for r in camp if r["casework"] == "1")
    fp, nplain = share(r for r in camp if r.get("addition", "none") == "none")
    fo, nop = share(r for r in camp if r.get("addition") == "opinion")
    fn, nnon = share(r for r in labels if r["kind"] != "campaign")
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"
    print(f"flagged: casework additions {fmt(fc)} of {ncw}, plain copies {fmt(fp)} of {nplain}, "
          f"opinion additions {fmt(fo)} of {nop} (informational), non-campaign {fmt(fn)} of {nnon}")

    # Campaign counts and the worst-kept labelled campaigns.
    pred_camps = Counter(cid for cid, _ in db.values() if cid is not None)
    pred_sizes = Counter()
    for (p, _), n in cells.items():
        if p[0] == "c":
            pred_sizes[p] += n
    groups = sorted({r["group"] for r in camp}, key=lambda g: (len(g), g))
    print(f"campaigns: {len(groups)} labelled; {len(pred_camps)} predicted in the database "
          f"({sum(1 for n in pred_camps.values() if n >= 2)} with 2+ messages)")
    members = defaultdict(Counter)  # predicted cluster -> label group counts
    for (p, g), n in cells.items():
        members[p][g] += n
    rows = []
    for g in groups:
        in_g = Counter({p: n for (p, gg), n in cells.items() if gg == g})
        grouped = Counter({p: n for p, n in in_g.items() if p[0] == "c"})
        if grouped:
            major, held = grouped.most_common(1)[0]
        else:
            major, held = None, 0
        ungrouped = sum(n for p, n in in_g.items() if p[0] == "alone")
        elsewhere = true_n[g] - held - ungrouped
        others = ""
        if major is not None:
            foreign = members[major].copy()
            del foreign[g]
            if foreign:
                others = "; that campaign also holds " + ", ".join(f"{k} x{v}" for k, v in foreign.most_common(3))
        rows.append((true_n[g] - held, g, true_n[g], major, held, ungrouped, elsewhere, others))
    rows.sort(key=lambda r: (-r[0], r[1]))
    for out, g, n, major, held, ung, els, others in rows[:5]:
        where = f"campaign {major[1]} holds {held}" if major else "no campaign"
        print(f"  {g} ({n} copies): {where}; {out} outside ({ung} ungrouped, {els} in other campaigns){others}")
    if len(rows) > 5:
        print(f"  ... {len(rows) - 5} more labelled campaigns, {sum(r[0] for r in rows[5:])} copies outside their majority campaign")

    # Non-campaign mail wrongly put in a campaign.
    wrong = [r for r in labels if r["kind"] != "campaign" and pred_of[clean(r["message_id"])][0] == "c"]
    if wrong:
        by_kind = Counter(r["kind"] for r in wrong)
        print(f"non-campaign messages in a campaign: {len(wrong)} (" + ", ".join(f"{k} {v}" for k, v in by_kind.most_common()) + ")")
        for r in wrong[:5]:
            p = pred_of[clean(r["message_id"])]
            top = members[p].most_common(1)[0][0]
            print(f"  {r['message_id']} ({r['kind']}) in campaign {p[1]} ({pred_sizes[p]} messages, mostly {top})")
    else:
        print("non-campaign messages in a campaign: 0")

    fc_v = fc if fc is not None else 1.0
    fp_v = fp if fp is not None else 0.0
    print(f"precision={precision:.3f} recall={recall:.3f} flagged_casework={fc_v:.3f} flagged_plain={fp_v:.3f}")
    bad = precision < 0.98 or recall < 0.98 or fc_v < 0.95 or fp_v > 0.02
    sys.exit(1 if bad and not a.no_fail else 0)


if __name__ == "__main__":
    main()
