package review

import "github.com/cxzy/ledger/domain"

// Form is how a review remark was given (点评形式). The zero value is
// invalid.
type Form uint8

const (
	_ Form = iota
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
)

var formEnum = domain.NewEnum[Form]("review form", "Form", "meeting", "talk", "on_site", "written", "random")

// Forms lists the five forms.
func Forms() []Form { return formEnum.Values() }

// ParseForm reads a form's name ("on_site").
func ParseForm(s string) (Form, error) { return formEnum.Parse(s) }

// Valid reports whether f is one of the five forms.
func (f Form) Valid() bool { return formEnum.Valid(f) }

func (f Form) String() string                { return formEnum.String(f) }
func (f Form) MarshalText() ([]byte, error)  { return formEnum.Marshal(f) }
func (f *Form) UnmarshalText(b []byte) error { return formEnum.Unmarshal(b, f) }

// Subject says what a remark is about: a unit or one member. The zero
// value is invalid.
type Subject uint8

const (
	_ Subject = iota
	// SubjectUnit is a remark on a unit.
	SubjectUnit
	// SubjectMember is a remark on a member.
	SubjectMember
)

var subjectEnum = domain.NewEnum[Subject]("review subject", "Subject", "unit", "member")

// ParseSubject reads "unit" or "member".
func ParseSubject(s string) (Subject, error) { return subjectEnum.Parse(s) }

// Valid reports whether s is unit or member.
func (s Subject) Valid() bool { return subjectEnum.Valid(s) }

func (s Subject) String() string                { return subjectEnum.String(s) }
func (s Subject) MarshalText() ([]byte, error)  { return subjectEnum.Marshal(s) }
func (s *Subject) UnmarshalText(b []byte) error { return subjectEnum.Unmarshal(b, s) }
