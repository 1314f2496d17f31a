package report

// StyleSheet returns the report's embedded style sheet, so that other
// pages keyholder renders (the fleet portfolio view) look and print the
// same. It is a constant of this package, never data.
func StyleSheet() string {
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		panic("report: embedded style sheet missing: " + err.Error())
	}
	return string(css)
}
