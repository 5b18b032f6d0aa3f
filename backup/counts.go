package backup

// CompareCounts names every collection or table of want whose count in got
// differs: a migration checks what it restored against what it dumped.
// Collections only got has (made by the new version) are not compared.
func CompareCounts(want, got map[string]int64) error { return compareCounts(want, got, "documents") }
