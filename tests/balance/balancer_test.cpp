#include "wsedge/balance/balancer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace wsedge::balance {
namespace {

config::Server conf(std::string name, unsigned weight = 1) {
  config::Server s;
  s.name = std::move(name);
  s.address.host = "127.0.0.1";
  s.address.port = 9000;
  s.address.text = "127.0.0.1:9000";
  s.weight = weight;
  return s;
}

std::vector<std::shared_ptr<Server>> makeServers(const std::vector<unsigned>& weights) {
  std::vector<std::shared_ptr<Server>> out;
  for (std::size_t i = 0; i < weights.size(); ++i)
    out.push_back(std::make_shared<Server>("p", conf(std::string(1, char('a' + i)), weights[i])));
  return out;
}

std::string sequence(Balancer& b, int n, const PickRequest& req = {}) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    auto p = b.pick(req);
    s += p ? p->name() : "-";
  }
  return s;
}

TEST(ServerState, Names) {
  EXPECT_EQ(serverStateName(ServerState::Up), "up");
  EXPECT_EQ(serverStateName(ServerState::Down), "down");
  EXPECT_EQ(serverStateName(ServerState::Draining), "draining");
  EXPECT_EQ(serverStateName(ServerState::Disabled), "disabled");
}

TEST(ServerState, AvailableOnlyWhenUp) {
  Server s("p", conf("a"));
  EXPECT_EQ(s.pool(), "p");
  EXPECT_EQ(s.name(), "a");
  EXPECT_TRUE(s.available());
  for (auto st : {ServerState::Down, ServerState::Draining, ServerState::Disabled}) {
    s.setState(st);
    EXPECT_FALSE(s.available());
  }
}

TEST(RoundRobin, SmoothWeightedSequence) {
  auto rr = makeRoundRobin(makeServers({5, 1, 1}));
  // nginx's smooth weighted round robin for 5,1,1: a a b a c a a, repeating.
  EXPECT_EQ(sequence(*rr, 14), "aabacaaaabacaa");
}

TEST(RoundRobin, WeightsRespectedExactlyOverACycle) {
  const std::vector<unsigned> weights = {3, 7, 1, 4};
  auto servers = makeServers(weights);
  auto rr = makeRoundRobin(servers);
  for (int cycle = 0; cycle < 5; ++cycle) {
    std::map<std::string, unsigned> counts;
    for (int i = 0; i < 15; ++i) counts[rr->pick({})->name()]++;
    EXPECT_EQ(counts["a"], 3u);
    EXPECT_EQ(counts["b"], 7u);
    EXPECT_EQ(counts["c"], 1u);
    EXPECT_EQ(counts["d"], 4u);
  }
}

TEST(RoundRobin, EqualWeightsAlternate) {
  auto rr = makeRoundRobin(makeServers({1, 1, 1}));
  EXPECT_EQ(sequence(*rr, 6), "abcabc");
}

TEST(RoundRobin, SkipsUnavailableServers) {
  for (auto st : {ServerState::Down, ServerState::Draining, ServerState::Disabled}) {
    auto servers = makeServers({1, 1, 1});
    auto rr = makeRoundRobin(servers);
    servers[1]->setState(st);
    EXPECT_EQ(sequence(*rr, 6), "acacac") << serverStateName(st);
    servers[1]->setState(ServerState::Up);
    const std::string after = sequence(*rr, 3);
    EXPECT_NE(after.find('b'), std::string::npos);
  }
}

TEST(RoundRobin, HonoursExclude) {
  auto servers = makeServers({5, 1});
  auto rr = makeRoundRobin(servers);
  PickRequest req;
  req.exclude = servers[0].get();
  EXPECT_EQ(sequence(*rr, 4, req), "bbbb");
}

TEST(RoundRobin, NoneAvailable) {
  auto servers = makeServers({1, 2});
  auto rr = makeRoundRobin(servers);
  servers[0]->setState(ServerState::Down);
  PickRequest req;
  req.exclude = servers[1].get();
  EXPECT_EQ(rr->pick(req), nullptr);
  servers[1]->setState(ServerState::Draining);
  EXPECT_EQ(rr->pick({}), nullptr);
  EXPECT_EQ(makeRoundRobin({})->pick({}), nullptr);
}

TEST(LeastConn, PicksLeastLoaded) {
  auto servers = makeServers({1, 1, 1});
  auto lc = makeLeastConn(servers);
  for (int i = 0; i < 3; ++i) servers[0]->connectionOpened();
  servers[1]->connectionOpened();
  EXPECT_EQ(lc->pick({})->name(), "c");
  servers[2]->connectionOpened();
  servers[2]->connectionOpened();
  EXPECT_EQ(lc->pick({})->name(), "b");
}

TEST(LeastConn, RelativeToWeight) {
  auto servers = makeServers({3, 1});
  auto lc = makeLeastConn(servers);
  // a: 5/3 < b: 2/1.
  for (int i = 0; i < 5; ++i) servers[0]->connectionOpened();
  for (int i = 0; i < 2; ++i) servers[1]->connectionOpened();
  EXPECT_EQ(lc->pick({})->name(), "a");
  // a: 7/3 > b: 2/1.
  servers[0]->connectionOpened();
  servers[0]->connectionOpened();
  EXPECT_EQ(lc->pick({})->name(), "b");
  // Filling as the proxy would (pick then open), the load settles at 3:1.
  auto fresh = makeServers({3, 1});
  auto lc2 = makeLeastConn(fresh);
  for (int i = 0; i < 40; ++i) lc2->pick({})->connectionOpened();
  EXPECT_EQ(fresh[0]->active(), 30);
  EXPECT_EQ(fresh[1]->active(), 10);
}

TEST(LeastConn, TiesRotate) {
  auto servers = makeServers({1, 1, 1});
  auto lc = makeLeastConn(servers);
  std::map<std::string, int> counts;
  // Nothing opened: all tie at 0, so picks must spread, not stick to "a".
  for (int i = 0; i < 30; ++i) counts[lc->pick({})->name()]++;
  EXPECT_EQ(counts["a"], 10);
  EXPECT_EQ(counts["b"], 10);
  EXPECT_EQ(counts["c"], 10);
}

TEST(LeastConn, SkipsUnavailableAndExcluded) {
  auto servers = makeServers({1, 1, 1});
  auto lc = makeLeastConn(servers);
  for (int i = 0; i < 5; ++i) servers[2]->connectionOpened();
  servers[0]->setState(ServerState::Disabled);
  PickRequest req;
  req.exclude = servers[1].get();
  EXPECT_EQ(lc->pick(req)->name(), "c");
  servers[2]->setState(ServerState::Draining);
  EXPECT_EQ(lc->pick(req), nullptr);
  EXPECT_EQ(lc->pick({})->name(), "b");
  EXPECT_EQ(makeLeastConn({})->pick({}), nullptr);
}

template <typename Make>
void concurrentPicks(Make make) {
  auto servers = makeServers({2, 1, 1, 3});
  auto b = make(servers);
  std::atomic<int> picked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (t == 0 && i % 100 == 0)  // the health checker flipping a state meanwhile
          servers[1]->setState(i % 200 == 0 ? ServerState::Down : ServerState::Up);
        auto s = b->pick({});
        if (!s) continue;
        s->connectionOpened();
        picked.fetch_add(1);
        s->connectionClosed();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(picked.load(), 8000);
  for (const auto& s : servers) EXPECT_EQ(s->active(), 0);
}

TEST(Concurrency, RoundRobinFromFourThreads) {
  concurrentPicks([](auto s) { return makeRoundRobin(s); });
}

TEST(Concurrency, LeastConnFromFourThreads) {
  concurrentPicks([](auto s) { return makeLeastConn(s); });
}

TEST(Concurrency, RoundRobinKeepsExactCountsUnderContention) {
  auto servers = makeServers({5, 1, 1});
  auto rr = makeRoundRobin(servers);
  std::vector<std::map<std::string, int>> perThread(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 700; ++i) perThread[t][rr->pick({})->name()]++;
    });
  for (auto& th : threads) th.join();
  std::map<std::string, int> total;
  for (auto& m : perThread)
    for (auto& [k, v] : m) total[k] += v;
  // 2800 picks = 400 whole cycles of 5,1,1.
  EXPECT_EQ(total["a"], 2000);
  EXPECT_EQ(total["b"], 400);
  EXPECT_EQ(total["c"], 400);
}

}  // namespace
}  // namespace wsedge::balance
