/* Unit tests for the flow table: direction and client choice, timeouts by
 * packet time, caps, a new connection on the ports of a closed one, and
 * that every flow is handed to on_end exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow.h"

#define S 1000000000ULL

struct ended {
	uint32_t ids[64];
	enum flow_end_reason why[64];
	int n;
};

static void on_end(void *ctx, struct flow *f, enum flow_end_reason why)
{
	struct ended *e = ctx;
	if (e->n < 64) {
		e->ids[e->n] = f->id;
		e->why[e->n] = why;
	}
	e->n++;
}

static struct packet pkt(uint8_t a, uint16_t sp, uint8_t b, uint16_t dp, uint8_t proto, uint8_t flags)
{
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.src.b[10] = p.src.b[11] = 0xff;
	p.src.b[15] = a;
	p.dst.b[10] = p.dst.b[11] = 0xff;
	p.dst.b[15] = b;
	p.sport = sp;
	p.dport = dp;
	p.l4_proto = proto;
	p.tcp_flags = flags;
	p.ip_len = 40;
	return p;
}

static struct flow_limits limits(void)
{
	struct flow_limits l = { .max_flows = 100, .max_memory = 1u << 30, .tcp_idle_ns = 60 * S,
				 .tcp_closed_ns = 5 * S, .udp_idle_ns = 30 * S };
	return l;
}

static void test_directions_and_client(void **state)
{
	struct ended e = { 0 };
	struct flow_limits l = limits();
	struct flow_table *t = flow_table_new(&l, on_end, &e);
	enum flow_dir d;
	/* server port first in key order: the SYN decides the client */
	struct packet syn = pkt(200, 40000, 1, 80, 6, TCP_SYN);
	struct flow *f = flow_table_packet(t, &syn, 1 * S, 1, 0, &d);
	assert_int_equal(d, DIR_TO_SERVER);
	assert_int_equal(flow_client_port(f), 40000);
	assert_int_equal(flow_server_port(f), 80);
	struct packet synack = pkt(1, 80, 200, 40000, 6, TCP_SYN | TCP_ACK);
	assert_ptr_equal(flow_table_packet(t, &synack, 1 * S, 2, 0, &d), f);
	assert_int_equal(d, DIR_TO_CLIENT);
	assert_int_equal(f->packets[0], 1);
	assert_int_equal(f->packets[1], 1);
	assert_int_equal(f->bytes[1], 40);
	/* a SYN-ACK seen first: its receiver is the client */
	struct packet sa2 = pkt(1, 443, 200, 50000, 6, TCP_SYN | TCP_ACK);
	f = flow_table_packet(t, &sa2, 2 * S, 3, 0, &d);
	assert_int_equal(flow_client_port(f), 50000);
	assert_int_equal(d, DIR_TO_CLIENT);
	/* mid-stream from the server's well-known port */
	struct packet mid = pkt(1, 80, 200, 50001, 6, TCP_ACK);
	f = flow_table_packet(t, &mid, 2 * S, 4, 0, &d);
	assert_int_equal(flow_client_port(f), 50001);
	/* a VLAN makes another flow */
	struct packet v = pkt(200, 40000, 1, 80, 6, TCP_ACK);
	v.vlan = 7;
	struct flow *fv = flow_table_packet(t, &v, 3 * S, 5, 0, &d);
	assert_int_equal(fv->id, 4);
	flow_table_free(t);
	assert_int_equal(e.n, 4);
	for (int i = 0; i < 4; i++) /* flushed in id order */
		assert_int_equal(e.ids[i], i + 1);
}

static void test_timeouts(void **state)
{
	struct ended e = { 0 };
	struct flow_limits l = limits();
	struct flow_table *t = flow_table_new(&l, on_end, &e);
	enum flow_dir d;
	struct packet u = pkt(2, 5000, 3, 53, 17, 0);
	flow_table_packet(t, &u, 10 * S, 1, 0, &d);
	struct packet tcp = pkt(2, 6000, 3, 80, 6, TCP_SYN);
	flow_table_packet(t, &tcp, 10 * S, 2, 0, &d);
	struct packet fin1 = pkt(2, 6000, 3, 80, 6, TCP_FIN | TCP_ACK);
	struct packet fin2 = pkt(3, 80, 2, 6000, 6, TCP_FIN | TCP_ACK);
	flow_table_packet(t, &fin1, 11 * S, 3, 0, &d);
	flow_table_packet(t, &fin2, 11 * S, 4, 0, &d);
	/* 6 s later the closed TCP flow has ended, the UDP flow not yet */
	struct packet other = pkt(4, 7000, 5, 9, 17, 0);
	flow_table_packet(t, &other, 17 * S, 5, 0, &d);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ids[0], 2);
	assert_int_equal(e.why[0], FLOW_END_CLOSED);
	/* a packet far later ends both idle UDP flows */
	struct packet late = pkt(6, 7000, 7, 9, 17, 0);
	flow_table_packet(t, &late, 100 * S, 6, 0, &d);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.why[1], FLOW_END_IDLE);
	/* an out-of-order older timestamp does not move time backwards */
	flow_table_packet(t, &u, 50 * S, 7, 0, &d);
	assert_int_equal(flow_table_stats(t)->live, 2);
	flow_table_free(t);
	assert_int_equal(e.n, 5);
}

static void test_caps(void **state)
{
	struct ended e = { 0 };
	struct flow_limits l = limits();
	l.max_flows = 3;
	struct flow_table *t = flow_table_new(&l, on_end, &e);
	enum flow_dir d;
	for (uint16_t i = 0; i < 5; i++) {
		struct packet p = pkt(2, (uint16_t)(1000 + i), 3, 80, 6, TCP_SYN);
		flow_table_packet(t, &p, (1 + i) * S, i + 1, 0, &d);
	}
	assert_int_equal(flow_table_stats(t)->live, 3);
	assert_int_equal(flow_table_stats(t)->evicted, 2);
	assert_int_equal(e.ids[0], 1); /* least recently seen first */
	assert_int_equal(e.why[0], FLOW_END_EVICTED);
	/* the memory cap evicts others, never the flow being accounted */
	l.max_flows = 100;
	l.max_memory = 4096;
	struct ended e2 = { 0 };
	struct flow_table *t2 = flow_table_new(&l, on_end, &e2);
	struct packet a = pkt(2, 1, 3, 80, 6, TCP_SYN), b = pkt(2, 2, 3, 80, 6, TCP_SYN);
	flow_table_packet(t2, &a, 1 * S, 1, 0, &d);
	struct flow *fb = flow_table_packet(t2, &b, 2 * S, 2, 0, &d);
	flow_table_account(t2, fb, 4000);
	assert_int_equal(e2.n, 1);
	assert_int_equal(e2.ids[0], 1);
	flow_table_account(t2, fb, -4000);
	flow_table_free(t2);
	flow_table_free(t);
}

/* A SYN after FIN both ways or a RST starts a new flow (the old one ends,
 * closed); the closed flow's own SYN again (same ISN, from its SYN or its
 * SYN-ACK) is a retransmission and stays in it; so does a SYN on an open flow. */
static void test_port_reuse(void **state)
{
	(void)state;
	struct ended e = { 0 };
	struct flow_limits l = limits();
	struct flow_table *t = flow_table_new(&l, on_end, &e);
	enum flow_dir d;
	struct packet syn = pkt(200, 40000, 1, 80, 6, TCP_SYN);
	syn.seq = 1000;
	struct flow *f1 = flow_table_packet(t, &syn, 1 * S, 1, 0, &d);
	struct packet again = syn; /* retransmitted while open */
	assert_ptr_equal(flow_table_packet(t, &again, 1 * S, 2, 0, &d), f1);
	struct packet fin_c = pkt(200, 40000, 1, 80, 6, TCP_FIN | TCP_ACK);
	struct packet fin_s = pkt(1, 80, 200, 40000, 6, TCP_FIN | TCP_ACK);
	flow_table_packet(t, &fin_c, 2 * S, 3, 0, &d);
	flow_table_packet(t, &fin_s, 2 * S, 4, 0, &d);
	assert_ptr_equal(flow_table_packet(t, &syn, 2 * S, 5, 0, &d), f1); /* its own SYN, closed */
	assert_int_equal(e.n, 0);
	struct packet syn2 = syn;
	syn2.seq = 5000;
	struct flow *f2 = flow_table_packet(t, &syn2, 3 * S, 6, 0, &d);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.ids[0], 1);
	assert_int_equal(e.why[0], FLOW_END_CLOSED);
	assert_int_equal(f2->id, 2);
	assert_int_equal(f2->first_frame, 6);
	assert_int_equal(flow_client_port(f2), 40000);
	assert_int_equal(flow_table_stats(t)->ended_closed, 1);
	/* a flow seen from its SYN-ACK knows the client's ISN from the ack */
	struct packet rst = pkt(200, 40000, 1, 80, 6, TCP_RST);
	flow_table_packet(t, &rst, 3 * S, 7, 0, &d); /* f2 reset: closed */
	struct packet sa = pkt(1, 80, 200, 40001, 6, TCP_SYN | TCP_ACK);
	sa.ack = 7001;
	struct flow *f3 = flow_table_packet(t, &sa, 3 * S, 8, 0, &d);
	struct packet r3 = pkt(1, 80, 200, 40001, 6, TCP_RST);
	flow_table_packet(t, &r3, 3 * S, 9, 0, &d);
	struct packet syn3 = pkt(200, 40001, 1, 80, 6, TCP_SYN);
	syn3.seq = 7000;
	assert_ptr_equal(flow_table_packet(t, &syn3, 3 * S, 10, 0, &d), f3);
	assert_int_equal(e.n, 1);
	/* after f2's RST, a SYN from the other side is a new connection too */
	struct packet rev = pkt(1, 80, 200, 40000, 6, TCP_SYN);
	rev.seq = 9;
	struct flow *f4 = flow_table_packet(t, &rev, 4 * S, 11, 0, &d);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.ids[1], 2);
	assert_int_equal(f4->id, 4);
	assert_int_equal(flow_client_port(f4), 80);
	flow_table_free(t);
	assert_int_equal(e.n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directions_and_client),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_port_reuse),
	};
	return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
