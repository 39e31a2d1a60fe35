package notify

import (
	"cmp"
	"slices"
)

// sortTemplates puts templates in upstream's GET /v2/templates order: by
// name, then by type in the order of upstream's template_type enum (sms,
// email, letter), which its ORDER BY follows; the Store's order (name,
// then id) stands between equals. Names compare byte by byte, the same
// whatever the Store, where upstream uses its database's collation.
func sortTemplates(list []Template) {
	slices.SortStableFunc(list, func(a, b Template) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(templateTypeRank(a.Type), templateTypeRank(b.Type))
	})
}

func templateTypeRank(t NotificationType) int {
	switch t {
	case SMS:
		return 0
	case Email:
		return 1
	case Letter:
		return 2
	}
	return 3
}
