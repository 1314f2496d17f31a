package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyholder/keyholder/findings"
	"github.com/keyholder/keyholder/internal/config"
	"github.com/keyholder/keyholder/internal/store"
	"github.com/keyholder/keyholder/report"
)

type attestationFlags struct {
	provider      string
	out           string
	storeFlag     string
	estate        string
	bundle        string
	paper         string
	signed        string
	name          string
	date          string
	allowModified bool
}

func newAttestationCmd(a *app) *cobra.Command {
	var f attestationFlags
	cmd := &cobra.Command{
		Use:   "attestation --provider NAME [RUN|ASSESSMENT.json|DIR] -o DIR [--bundle evidence.tar]",
		Short: "Write the exit attestation the departing provider signs, from an exit-profile run",
		Long: `attestation writes the letter a departing provider signs at the end of its
contract, from an exit-profile run (scan or review with --profile exit
--exit-provider NAME): attestation.md and a print-ready attestation.html
into -o DIR. The letter lists every system checked and keyholder's
answer for it, what was verified absent (accounts, apps, roles, keys,
trusts, licences, backups, remote-management agents — only where that
kind of object was read and no gap covers it), what the provider still
holds (the letter then says it is not ready to sign), what could not be
verified (gaps), what only the provider can attest (data deletion,
offline and backup copies, credentials it kept, access by other routes),
the digests it rests on (snapshot, assessment, stored run and its chain
digest, and the evidence bundle's SHA-256 with --bundle), and signature
lines for both parties.

The run is RUN in the store (an id, latest or latest~N, within --estate;
default: the latest exit-profile run), an assessment.json, or a directory
holding one.

Once signed, record the copy in keyholder.yaml: --signed FILE prints the
declared.attestations entry with the file's SHA-256 (config validation
checks the digest whenever the file is present); KH-EXIT-001 and the
report then show it. An attestation never passes a check by itself: it
covers what only the provider can attest.`,
		Example: `  keyholder review -c keyholder.yaml --profile exit --exit-provider "Acme IT"
  keyholder attestation --provider "Acme IT" -o handover
  keyholder attestation --provider "Acme IT" reports/assessment.json -o handover --bundle evidence.tar
  keyholder attestation --provider "Acme IT" --signed contracts/acme-exit-signed.pdf`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(f.provider) == "" {
				return withCode(exitUsage, errors.New("--provider NAME is required: the departing provider"))
			}
			if f.signed != "" {
				return printAttestationEntry(a, f)
			}
			if f.out == "" {
				return withCode(exitUsage, errors.New("-o DIR is required: where to write attestation.md and attestation.html"))
			}
			ref := ""
			if len(args) == 1 {
				ref = args[0]
			}
			return runAttestation(cmd.Context(), a, ref, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.provider, "provider", "", "the departing provider (the run's --exit-provider)")
	fl.StringVarP(&f.out, "out", "o", "", "directory for attestation.md and attestation.html")
	fl.StringVar(&f.bundle, "bundle", "", "the evidence bundle (keyholder bundle) whose SHA-256 the letter cites")
	fl.StringVar(&f.paper, "paper", "a4", "print page size of the HTML letter: a4 or letter")
	fl.StringVar(&f.signed, "signed", "", "print the declared.attestations entry (with SHA-256) for this signed copy instead")
	fl.StringVar(&f.name, "name", "Exit attestation", "with --signed: the entry's name")
	fl.StringVar(&f.date, "date", "", "with --signed: the date it was signed, YYYY-MM-DD (default today)")
	fl.BoolVar(&f.allowModified, "allow-modified", false, "use an assessment file edited since keyholder wrote it (the refusal is exit 2 otherwise)")
	addStoreFlag(cmd, &f.storeFlag)
	addEstateFlag(cmd, &f.estate, "resolve RUN (latest, latest~N) within this estate")
	return cmd
}

func runAttestation(ctx context.Context, a *app, ref string, f attestationFlags) error {
	if p := strings.ToLower(f.paper); p != "a4" && p != "letter" {
		return withCode(exitUsage, fmt.Errorf("--paper %q: want a4 or letter", f.paper))
	}
	opts := report.LetterOptions{Provider: f.provider, Paper: f.paper}
	if f.bundle != "" {
		sum, err := config.FileSHA256(f.bundle)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("--bundle: %w", err))
		}
		opts.BundleName, opts.BundleSHA256 = filepath.Base(f.bundle), sum
	}
	as, err := attestationInput(ctx, a, ref, f, &opts)
	if err != nil {
		return err
	}
	l, err := report.BuildLetter(as, opts)
	if errors.Is(err, report.ErrNotExitRun) {
		return withCode(exitUsage, err)
	}
	if err != nil {
		return err
	}
	paths, err := report.WriteLetter(f.out, l)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(a.stdout, p)
	}
	if opts.BundleSHA256 != "" {
		fmt.Fprintf(a.stdout, "evidence bundle %s: SHA-256 %s (cited in the letter)\n", f.bundle, opts.BundleSHA256)
	}
	if !l.ReadyToSign {
		fmt.Fprintf(a.stderr, "note: the letter is not ready to sign: %d item(s) of %s remain, %d system(s) not fully verified, %d gap(s); it says so at the top\n",
			l.Remaining, l.Provider, l.Unverified, len(l.Gaps))
	}
	return nil
}

// attestationInput loads the assessment from a file, a directory or the
// store, and fills the run's id and chain digest when it is a stored run.
func attestationInput(ctx context.Context, a *app, ref string, f attestationFlags, opts *report.LetterOptions) (*findings.Assessment, error) {
	path := ref
	if st, err := os.Stat(ref); err == nil && st.IsDir() {
		path = filepath.Join(ref, "assessment.json")
	}
	if ref != "" && (isFileArg(path) || path != ref) {
		as, err := readAssessment(a, path)
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		if _, err := checkSealed(a, path, as.Verify, f.allowModified); err != nil {
			return nil, err
		}
		return as, nil
	}
	s, err := openStore(ctx, a, f.storeFlag, true)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var id int64
	if ref == "" {
		// The latest exit-profile run (of --estate), not merely the latest.
		runs, err := s.List(ctx, store.ListOptions{Estate: f.estate})
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if r.Profile == "exit" {
				id = r.ID
				break
			}
		}
		if id == 0 {
			return nil, withCode(exitUsage, fmt.Errorf("no exit-profile run in %s: review with --profile exit --exit-provider %q first, or name a run or file", s.Path(), f.provider))
		}
	} else if id, err = resolveRunIn(ctx, s, f.estate, ref); err != nil {
		return nil, err
	}
	run, as, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	opts.Run, opts.ChainDigest = run.ID, run.ChainDigest
	return as, nil
}

// printAttestationEntry prints the declared.attestations entry for a
// signed copy, with its SHA-256.
func printAttestationEntry(a *app, f attestationFlags) error {
	sum, err := config.FileSHA256(f.signed)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("--signed: %w", err))
	}
	date := f.date
	if date == "" {
		clock, err := a.clock()
		if err != nil {
			return err
		}
		date = clock().UTC().Format("2006-01-02")
	} else if _, err := time.Parse("2006-01-02", date); err != nil {
		return withCode(exitUsage, fmt.Errorf("--date %q: want YYYY-MM-DD", date))
	}
	fmt.Fprintf(a.stdout, `# add to keyholder.yaml (evidence is relative to the config file; validate checks the digest)
declared:
  attestations:
    - name: %s
      date: %s
      provider: %s
      evidence: %s
      sha256: %s
`, strconv.Quote(f.name), date, strconv.Quote(f.provider), strconv.Quote(f.signed), sum)
	return nil
}
