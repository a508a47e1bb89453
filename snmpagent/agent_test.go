package snmpagent

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/dsas/keepalived-go/agentx"
)

var testView = []agentx.VarBind{
	agentx.Str(agentx.MustOID("1.3.6.1.4.1.9586.100.5.1.1.0"), "v"),
	agentx.Int(agentx.MustOID("1.3.6.1.4.1.9586.100.5.2.3.1.4.1"), 2),
	agentx.Int(agentx.MustOID("1.3.6.1.4.1.9586.100.5.2.3.1.4.2"), 1),
}

func names(vbs []agentx.VarBind) []string {
	var out []string
	for _, vb := range vbs {
		s := vb.Name.String()
		if vb.Type == agentx.EndOfMibView {
			s = "end"
		}
		if vb.Type == agentx.NoSuchObject {
			s = "nosuch"
		}
		out = append(out, s)
	}
	return out
}

func TestAnswer(t *testing.T) {
	o := agentx.MustOID
	for _, c := range []struct {
		name string
		pdu  agentx.PDU
		want []string
	}{
		{"get hit", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGet}, Ranges: []agentx.SearchRange{{Start: o("1.3.6.1.4.1.9586.100.5.2.3.1.4.2")}}},
			[]string{".1.3.6.1.4.1.9586.100.5.2.3.1.4.2"}},
		{"get miss", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGet}, Ranges: []agentx.SearchRange{{Start: o("1.3.6.1.4.1.9586.100.5.2.3.1.4.3")}}},
			[]string{"nosuch"}},
		{"getnext from a prefix", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGetNext}, Ranges: []agentx.SearchRange{{Start: o("1.3.6.1.4.1.9586.100.5.2")}}},
			[]string{".1.3.6.1.4.1.9586.100.5.2.3.1.4.1"}},
		{"getnext excludes start", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGetNext}, Ranges: []agentx.SearchRange{{Start: o("1.3.6.1.4.1.9586.100.5.2.3.1.4.1")}}},
			[]string{".1.3.6.1.4.1.9586.100.5.2.3.1.4.2"}},
		{"getnext include", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGetNext}, Ranges: []agentx.SearchRange{{Start: o("1.3.6.1.4.1.9586.100.5.2.3.1.4.1"), Include: true}}},
			[]string{".1.3.6.1.4.1.9586.100.5.2.3.1.4.1"}},
		{"getnext stops at end", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGetNext}, Ranges: []agentx.SearchRange{{Start: o("1.3.6.1.4.1.9586.100.5.1"), End: o("1.3.6.1.4.1.9586.100.5.2")}}},
			[]string{".1.3.6.1.4.1.9586.100.5.1.1.0"}},
		{"getnext past end", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGetNext}, Ranges: []agentx.SearchRange{{Start: o("1.3.6.1.4.1.9586.100.5.1.1.0"), End: o("1.3.6.1.4.1.9586.100.5.2")}}},
			[]string{"end"}},
		{"getbulk", agentx.PDU{Header: agentx.Header{Type: agentx.TypeGetBulk}, NonRepeaters: 1, MaxRepetition: 5, Ranges: []agentx.SearchRange{
			{Start: o("1.3.6.1.4.1.9586.100.5.1")}, {Start: o("1.3.6.1.4.1.9586.100.5.2")}}},
			[]string{".1.3.6.1.4.1.9586.100.5.1.1.0", ".1.3.6.1.4.1.9586.100.5.2.3.1.4.1", ".1.3.6.1.4.1.9586.100.5.2.3.1.4.2", "end"}},
	} {
		got := names(Answer(c.pdu, testView))
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}

// fakeMaster accepts one subagent, answers its Open and Registers, and
// hands every other PDU to the test.
type fakeMaster struct {
	ln   net.Listener
	regs chan agentx.OID
	pdus chan agentx.PDU
	conn chan net.Conn
}

func newFakeMaster(t *testing.T, path string) *fakeMaster {
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	m := &fakeMaster{ln: ln, regs: make(chan agentx.OID, 10), pdus: make(chan agentx.PDU, 10), conn: make(chan net.Conn, 2)}
	go m.serve()
	return m
}

func (m *fakeMaster) serve() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		m.conn <- c
		go m.session(c)
	}
}

func (m *fakeMaster) session(c net.Conn) {
	defer c.Close()
	for {
		p, err := readPDU(c)
		if err != nil {
			return
		}
		switch p.Type {
		case agentx.TypeOpen, agentx.TypeRegister, agentx.TypeAddAgentCaps:
			if p.Type == agentx.TypeRegister {
				m.regs <- p.Subtree
			}
			r := agentx.PDU{Header: p.Header}
			r.Type, r.SessionID = agentx.TypeResponse, 7
			c.Write(agentx.Encode(r))
		default:
			m.pdus <- p
		}
	}
}

// TestSessionReconnects: the agent opens, registers, answers a GetNext,
// and opens a new session after the master drops the first.
func TestSessionReconnects(t *testing.T) {
	m := newFakeMaster(t, filepath.Join(t.TempDir(), "master"))
	a := &Agent{
		Addr:          "unix:" + m.ln.Addr().String(),
		Registrations: []Registration{{Subtree: agentx.MustOID("1.3.6.1.4.1.9586.100.5.2"), Descr: "x"}},
		View:          func() []agentx.VarBind { return testView },
		Retry:         10 * time.Millisecond,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	for round := range 2 {
		c := <-m.conn
		if got := <-m.regs; got.String() != ".1.3.6.1.4.1.9586.100.5.2" {
			t.Fatalf("round %d: registered %s", round, got)
		}
		req := agentx.PDU{Header: agentx.Header{Type: agentx.TypeGetNext, SessionID: 7, PacketID: 99},
			Ranges: []agentx.SearchRange{{Start: agentx.MustOID("1.3.6.1.4.1.9586.100.5.2")}}}
		c.Write(agentx.Encode(req))
		resp := <-m.pdus
		if resp.Type != agentx.TypeResponse || resp.PacketID != 99 || len(resp.VarBinds) != 1 ||
			resp.VarBinds[0].Name.String() != ".1.3.6.1.4.1.9586.100.5.2.3.1.4.1" {
			t.Fatalf("round %d: response %+v", round, resp)
		}
		c.Close() // snmpd restarting
	}
}

type testSetter struct{ committed []agentx.VarBind }

func (s *testSetter) Test(vb agentx.VarBind) uint16 {
	if vb.Type != agentx.Integer {
		return agentx.ErrWrongType
	}
	return 0
}

func (s *testSetter) Commit(vb agentx.VarBind) uint16 {
	s.committed = append(s.committed, vb)
	return 0
}

// TestSetPhases: TestSet checks every varbind (the failing one's index in
// the answer), CommitSet applies what TestSet kept, UndoSet and CleanupSet
// forget it; without a Setter every write is notWritable.
func TestSetPhases(t *testing.T) {
	name := agentx.MustOID("1.3.6.1.4.1.9586.100.5.2.3.1.7.1")
	pdu := func(typ agentx.Type, vbs ...agentx.VarBind) agentx.PDU {
		return agentx.PDU{Header: agentx.Header{Type: typ}, VarBinds: vbs}
	}
	a := &Agent{}
	if r, _ := a.answer(pdu(agentx.TypeTestSet, agentx.Int(name, 1))); r.Error != agentx.ErrNotWritable || r.Index != 1 {
		t.Errorf("read-only agent: error %d index %d", r.Error, r.Index)
	}
	s := &testSetter{}
	a.Set = s
	if r, _ := a.answer(pdu(agentx.TypeTestSet, agentx.Int(name, 1), agentx.Str(name, "x"))); r.Error != agentx.ErrWrongType || r.Index != 2 {
		t.Errorf("wrong type: error %d index %d", r.Error, r.Index)
	}
	if r, _ := a.answer(pdu(agentx.TypeCommitSet)); r.Error != 0 || len(s.committed) != 0 {
		t.Errorf("a refused TestSet was committed: %+v", s.committed)
	}
	a.answer(pdu(agentx.TypeTestSet, agentx.Int(name, 120)))
	if r, _ := a.answer(pdu(agentx.TypeCommitSet)); r.Error != 0 || len(s.committed) != 1 || s.committed[0].Value.(int32) != 120 {
		t.Errorf("commit: error %d, committed %+v", r.Error, s.committed)
	}
	if _, ok := a.answer(pdu(agentx.TypeCleanupSet)); ok {
		t.Error("CleanupSet answered")
	}
	a.answer(pdu(agentx.TypeCommitSet))
	if len(s.committed) != 1 {
		t.Errorf("committed again after CleanupSet: %+v", s.committed)
	}
}
