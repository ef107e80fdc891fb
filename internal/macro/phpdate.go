package macro

import (
	"strconv"
	"strings"
	"time"
)

// writePHPDate formats t with a PHP date() format string, the form Keitaro
// buyers already write ({date:Y-m-d H:i:s}). Unknown letters are copied, and
// a backslash makes the next character literal, as in PHP.
func writePHPDate(b *strings.Builder, t time.Time, format string) {
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '\\' && i+1 < len(format) {
			i++
			c = format[i]
			if !isControl(c) {
				b.WriteByte(c)
			}
			continue
		}
		if isControl(c) {
			continue
		}
		if !writePHPDateField(b, t, c) {
			b.WriteByte(c)
		}
	}
}

// writePHPDateField writes one format letter and reports whether it was one.
func writePHPDateField(b *strings.Builder, t time.Time, c byte) bool {
	switch c {
	case 'd':
		pad(b, t.Day(), 2)
	case 'j':
		pad(b, t.Day(), 1)
	case 'D':
		b.WriteString(t.Weekday().String()[:3])
	case 'l':
		b.WriteString(t.Weekday().String())
	case 'N':
		pad(b, (int(t.Weekday())+6)%7+1, 1)
	case 'w':
		pad(b, int(t.Weekday()), 1)
	case 'z':
		pad(b, t.YearDay()-1, 1)
	case 'W':
		_, w := t.ISOWeek()
		pad(b, w, 2)
	case 'o':
		y, _ := t.ISOWeek()
		pad(b, y, 4)
	case 'F':
		b.WriteString(t.Month().String())
	case 'M':
		b.WriteString(t.Month().String()[:3])
	case 'm':
		pad(b, int(t.Month()), 2)
	case 'n':
		pad(b, int(t.Month()), 1)
	case 't':
		pad(b, time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day(), 1)
	case 'L':
		pad(b, leap(t.Year()), 1)
	default:
		return writePHPTimeField(b, t, c)
	}
	return true
}

// writePHPTimeField handles the time-of-day, zone and full-date letters.
func writePHPTimeField(b *strings.Builder, t time.Time, c byte) bool {
	switch c {
	case 'Y':
		pad(b, t.Year(), 4)
	case 'y':
		pad(b, t.Year()%100, 2)
	case 'a':
		b.WriteString(t.Format("pm"))
	case 'A':
		b.WriteString(t.Format("PM"))
	case 'g':
		pad(b, hour12(t), 1)
	case 'h':
		pad(b, hour12(t), 2)
	case 'G':
		pad(b, t.Hour(), 1)
	case 'H':
		pad(b, t.Hour(), 2)
	case 'i':
		pad(b, t.Minute(), 2)
	case 's':
		pad(b, t.Second(), 2)
	case 'v':
		pad(b, t.Nanosecond()/1e6, 3)
	case 'u':
		pad(b, t.Nanosecond()/1e3, 6)
	case 'e':
		b.WriteString(t.Location().String())
	case 'T':
		b.WriteString(t.Format("MST"))
	case 'P':
		b.WriteString(t.Format("-07:00"))
	case 'O':
		b.WriteString(t.Format("-0700"))
	case 'Z':
		_, off := t.Zone()
		pad(b, off, 1)
	case 'U':
		pad(b, int(t.Unix()), 1)
	case 'c':
		b.WriteString(t.Format("2006-01-02T15:04:05-07:00"))
	case 'r':
		b.WriteString(t.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	default:
		return false
	}
	return true
}

func hour12(t time.Time) int {
	h := t.Hour() % 12
	if h == 0 {
		return 12
	}
	return h
}

func leap(y int) int {
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 1
	}
	return 0
}

// pad writes n in decimal with at least width digits.
func pad(b *strings.Builder, n, width int) {
	if n < 0 {
		b.WriteByte('-')
		n = -n
	}
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b.WriteByte('0')
	}
	b.Write(s)
}
