#!/usr/bin/env bash
# Scaffolds a checklist item: its file with the four documentation headings, the declaration,
# an `evaluate` stub and a test module, registered at the end of its section's report order.
#
#   scripts/new-item.sh SECTION ID SLUG "Title" [SEVERITY] [SOURCES]
#   scripts/new-item.sh extended X.5 http-caching "HTTP caching" Low Http,Load
#
# SECTION is a folder under crates/steth-core/src/catalog (api_performance, database, caching,
# connections, observability, security, scalability, reliability, practices, extended).
# SEVERITY is Low, Medium, High or Critical (default Medium); SOURCES a comma-separated list of
# `Source` variants (default Http). Then: write the check, its tests, a shop defect switch and
# its truth-matrix row (ARCHITECTURE.md, "Adding an item").
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 4 ] || usage
section=$1 id=$2 slug=$3 title=$4 severity=${5:-Medium} sources=${6:-Http}

dir=crates/steth-core/src/catalog/$section
[ -f "$dir/mod.rs" ] || { echo "new-item: no section folder $dir" >&2; exit 2; }
[[ $slug =~ ^[a-z0-9]+(-[a-z0-9]+)*$ ]] || { echo "new-item: slug \`$slug\` must be kebab-case" >&2; exit 2; }
[[ $severity =~ ^(Low|Medium|High|Critical)$ ]] || { echo "new-item: severity must be Low, Medium, High or Critical" >&2; exit 2; }
if grep -rqs "id: \"$id\"," crates/steth-core/src/catalog; then
  echo "new-item: an item with id $id exists already" >&2
  exit 2
fi
module=${slug//-/_}
constant=$(echo "$module" | tr '[:lower:]' '[:upper:]')
file=$dir/$module.rs
[ ! -e "$file" ] || { echo "new-item: $file exists already" >&2; exit 2; }
section_name=$(sed -n 's/^\(pub \)\{0,1\}\(const\|static\) SECTION: Section = Section::\([A-Za-z]*\);.*/\3/p' "$dir/mod.rs")
if [ -z "$section_name" ]; then
  case $section in
    api_performance) section_name=ApiPerformance ;; database) section_name=Database ;;
    caching) section_name=Caching ;; connections) section_name=Connections ;;
    observability) section_name=Observability ;; security) section_name=Security ;;
    scalability) section_name=Scalability ;; reliability) section_name=Reliability ;;
    practices) section_name=Practices ;; extended) section_name=Extended ;;
    *) echo "new-item: unknown section $section" >&2; exit 2 ;;
  esac
fi

cat > "$file" <<EOF
//! $id $slug: ${title,}.

use crate::catalog::prelude::*;

declare_item! {
    /// ## What it checks
    /// TODO: the property demanded, and the default threshold in words.
    ///
    /// ## Why it matters
    /// TODO: what goes wrong without it, with numbers.
    ///
    /// ## How it is measured
    /// TODO: which evidence, how it is exercised, and when the item is not assessed.
    ///
    /// ## How to fix
    /// TODO: the fix, with a short example.
    pub $constant = {
        id: "$id",
        slug: "$slug",
        title: "$title",
        section: $section_name,
        threshold: Threshold::requires("TODO"),
        sources: [${sources//,/, }],
        severity: $severity,
        evaluate: Some(evaluate),
    }
}

fn evaluate(evidence: &Evidence, threshold: &Threshold) -> Verdict {
    let _ = (evidence, threshold);
    Err(Outcome::not_assessed("not written yet"))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::catalog::testing::expect;
    use crate::outcome::Status;

    #[test]
    fn nothing_collected_is_not_assessed() {
        expect(&$constant, &Evidence::default(), Status::NotAssessed);
    }

    // With a numeric threshold: an \`override_case()\` here (evidence whose verdict a configured
    // override moves), listed in the section's \`override_cases()\`; the catalog meta-test asks for it.
}
EOF

# Register: the module after the last `mod` line, the item at the end of the ordered slice.
awk -v module="$module" -v entry="    &$module::$constant," '
  /^mod [a-z_0-9]+;$/ { last_mod = NR }
  { lines[NR] = $0 }
  END {
    in_items = 0
    for (i = 1; i <= NR; i++) {
      if (in_items && lines[i] ~ /^\];$/) { print entry; in_items = 0 }
      print lines[i]
      if (i == last_mod) print "mod " module ";"
      if (lines[i] ~ /static ITEMS: &\[&Item\] = &\[$/) in_items = 1
    }
  }' "$dir/mod.rs" > "$dir/mod.rs.new"
mv "$dir/mod.rs.new" "$dir/mod.rs"
echo "created $file and registered it in $dir/mod.rs"
echo "next: replace every TODO (the catalog meta-test fails on a short explanation until you do), write"
echo "evaluate and its tests (with a numeric threshold, its override case), then a defect switch in"
echo "fixtures/shop/src/defect.rs: its truth-matrix row follows"
