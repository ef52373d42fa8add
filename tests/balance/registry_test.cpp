#include <gtest/gtest.h>

#include "wsedge/balance/balancer.h"

namespace wsedge::balance {
namespace {

config::Server conf(std::string name, std::string addr, unsigned weight = 1) {
  config::Server s;
  s.name = std::move(name);
  s.address.text = std::move(addr);
  s.weight = weight;
  return s;
}

config::Pool pool(std::string name, config::BalanceKind kind, std::vector<config::Server> servers) {
  config::Pool p;
  p.name = std::move(name);
  p.balance = kind;
  p.servers = std::move(servers);
  return p;
}

TEST(Registry, BuildsPoolsInConfigOrder) {
  config::Config cfg;
  cfg.pools.push_back(pool("chat", config::BalanceKind::LeastConn,
                           {conf("c1", "127.0.0.1:9001"), conf("c2", "127.0.0.1:9002")}));
  cfg.pools.push_back(pool("feed", config::BalanceKind::RoundRobin, {conf("f1", "127.0.0.1:9101")}));
  Registry reg;
  auto pools = reg.build(cfg);
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(pools[0]->name, "chat");
  EXPECT_EQ(pools[0]->balance, config::BalanceKind::LeastConn);
  EXPECT_EQ(pools[1]->name, "feed");
  ASSERT_EQ(pools[0]->servers.size(), 2u);
  EXPECT_EQ(pools[0]->servers[0]->pool(), "chat");
  ASSERT_TRUE(pools[0]->balancer);
  ASSERT_TRUE(pools[1]->balancer);
  EXPECT_EQ(pools[1]->balancer->pick({})->name(), "f1");
  EXPECT_EQ(pools[0]->findServer("c2"), pools[0]->servers[1]);
  EXPECT_EQ(pools[0]->findServer("f1"), nullptr);
  EXPECT_EQ(pools[0]->findServer("nope"), nullptr);
}

TEST(Registry, KeepsStateAcrossBuilds) {
  config::Config v1;
  v1.pools.push_back(pool("chat", config::BalanceKind::RoundRobin,
                          {conf("a", "127.0.0.1:9001"), conf("b", "127.0.0.1:9002"),
                           conf("gone", "127.0.0.1:9003")}));
  Registry reg;
  auto p1 = reg.build(v1);
  auto a = p1[0]->findServer("a");
  auto b = p1[0]->findServer("b");
  a->connectionOpened();
  a->connectionOpened();
  b->setState(ServerState::Disabled);

  config::Config v2;
  v2.pools.push_back(pool("chat", config::BalanceKind::LeastConn,
                          {conf("b", "127.0.0.1:9202", 4), conf("a", "127.0.0.1:9001"),
                           conf("new", "127.0.0.1:9004")}));
  // Same server name in another pool is another server.
  v2.pools.push_back(pool("other", config::BalanceKind::RoundRobin, {conf("a", "127.0.0.1:9999")}));
  auto p2 = reg.build(v2);
  ASSERT_EQ(p2.size(), 2u);
  EXPECT_EQ(p2[0]->findServer("a"), a);  // the very same object
  EXPECT_EQ(a->active(), 2);
  EXPECT_EQ(p2[0]->findServer("b"), b);
  EXPECT_EQ(b->state(), ServerState::Disabled);
  EXPECT_EQ(b->conf().address.text, "127.0.0.1:9202");  // conf updated
  EXPECT_EQ(b->weight(), 4u);
  EXPECT_EQ(p2[0]->findServer("gone"), nullptr);
  auto fresh = p2[0]->findServer("new");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->state(), ServerState::Up);
  EXPECT_EQ(fresh->active(), 0);
  EXPECT_NE(p2[1]->findServer("a"), a);
  EXPECT_EQ(p2[1]->findServer("a")->active(), 0);
  // Order follows the new config.
  EXPECT_EQ(p2[0]->servers[0]->name(), "b");
  EXPECT_EQ(p2[0]->balance, config::BalanceKind::LeastConn);
  // The old snapshot still works for sessions holding it.
  EXPECT_EQ(p1[0]->servers.size(), 3u);

  // A server removed and re-added later starts fresh.
  auto gone = p1[0]->findServer("gone");
  gone->setState(ServerState::Down);
  auto p3 = reg.build(v1);
  EXPECT_NE(p3[0]->findServer("gone"), gone);
  EXPECT_EQ(p3[0]->findServer("gone")->state(), ServerState::Up);
  EXPECT_EQ(p3[0]->findServer("a"), a);
}

TEST(Registry, HashFallsBackToRoundRobin) {
  config::Config cfg;
  cfg.pools.push_back(pool("h", config::BalanceKind::Hash,
                           {conf("x", "127.0.0.1:1", 2), conf("y", "127.0.0.1:2", 1)}));
  Registry reg;
  auto pools = reg.build(cfg);
  ASSERT_TRUE(pools[0]->balancer);
  std::string seq;
  for (int i = 0; i < 6; ++i) seq += pools[0]->balancer->pick({})->name();
  EXPECT_EQ(seq, "xyxxyx");
}

TEST(Registry, BalancerSkipsDisabledServerFromEarlierBuild) {
  config::Config cfg;
  cfg.pools.push_back(pool("p", config::BalanceKind::RoundRobin,
                           {conf("a", "127.0.0.1:1"), conf("b", "127.0.0.1:2")}));
  Registry reg;
  auto p1 = reg.build(cfg);
  p1[0]->findServer("a")->setState(ServerState::Draining);
  auto p2 = reg.build(cfg);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(p2[0]->balancer->pick({})->name(), "b");
}

}  // namespace
}  // namespace wsedge::balance
