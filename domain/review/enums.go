package review

import (
	"fmt"
	"strings"
)

// Form is how a review remark was given (点评形式). The zero value is
// invalid.
type Form uint8

const (
	formInvalid Form = iota
	// FormMeeting is a remark at a meeting (会议点评).
	FormMeeting
	// FormTalk is a remark in a talk (谈话点评).
	FormTalk
	// FormOnSite is a remark on site (现场点评).
	FormOnSite
	// FormWritten is a written remark (书面点评).
	FormWritten
	// FormRandom is a remark at a random check (随机点评).
	FormRandom
	formEnd
)

var formNames = [...]string{"", "meeting", "talk", "on_site", "written", "random"}

// Forms lists the five forms.
func Forms() []Form { return []Form{FormMeeting, FormTalk, FormOnSite, FormWritten, FormRandom} }

// ParseForm reads a form's name ("on_site").
func ParseForm(s string) (Form, error) {
	for f := FormMeeting; f < formEnd; f++ {
		if formNames[f] == s {
			return f, nil
		}
	}
	return formInvalid, fmt.Errorf("review form %q: want one of %s", s, strings.Join(formNames[1:], ", "))
}

// Valid reports whether f is one of the five forms.
func (f Form) Valid() bool { return f > formInvalid && f < formEnd }

func (f Form) String() string {
	if !f.Valid() {
		return fmt.Sprintf("Form(%d)", uint8(f))
	}
	return formNames[f]
}

func (f Form) MarshalText() ([]byte, error) {
	if !f.Valid() {
		return nil, fmt.Errorf("invalid review form %d", uint8(f))
	}
	return []byte(formNames[f]), nil
}

func (f *Form) UnmarshalText(b []byte) error {
	p, err := ParseForm(string(b))
	if err != nil {
		return err
	}
	*f = p
	return nil
}

// Subject says what a remark is about: a unit or one member. The zero
// value is invalid.
type Subject uint8

const (
	subjectInvalid Subject = iota
	// SubjectUnit is a remark on a unit.
	SubjectUnit
	// SubjectMember is a remark on a member.
	SubjectMember
)

// ParseSubject reads "unit" or "member".
func ParseSubject(s string) (Subject, error) {
	switch s {
	case "unit":
		return SubjectUnit, nil
	case "member":
		return SubjectMember, nil
	}
	return subjectInvalid, fmt.Errorf("review subject %q: want unit or member", s)
}

// Valid reports whether s is unit or member.
func (s Subject) Valid() bool { return s == SubjectUnit || s == SubjectMember }

func (s Subject) String() string {
	switch s {
	case SubjectUnit:
		return "unit"
	case SubjectMember:
		return "member"
	}
	return fmt.Sprintf("Subject(%d)", uint8(s))
}

func (s Subject) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("invalid review subject %d", uint8(s))
	}
	return []byte(s.String()), nil
}

func (s *Subject) UnmarshalText(b []byte) error {
	p, err := ParseSubject(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}
