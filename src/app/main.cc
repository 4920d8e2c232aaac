// sealpost: one binary, with subcommands. Exit status: 0 success, 1 failure at run
// time, 2 bad usage or configuration.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <sys/stat.h>

#include <filesystem>
#include <iostream>

#include "app/admin.h"
#include "app/analyse_headers.h"
#include "app/config.h"
#include "app/serve.h"
#include "app/setup.h"

namespace {

int Report(const sealpost::Error& e) {
  // Config errors name "file:line" in `field`; say it first, as compilers do.
  if (!e.field.empty() && e.field.find(':') != std::string::npos) {
    std::cerr << "sealpost: " << e.field << ": " << e.message << "\n";
    return 2;
  }
  std::cerr << "sealpost: " << e.ToString() << "\n";
  return e.code == sealpost::ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Everything sealpost writes (database, blobs, keys, outbox) is for its eyes only.
  ::umask(077);
  // Message-sized buffers (tens to hundreds of KiB: a piece of content, a parsed part)
  // come from the heap and freed memory stays with it, rather than each being mapped,
  // faulted in page by page and handed back: relaying 100 KiB messages, page faults and
  // madvise were an eighth of the server's CPU, and these two settings cut its CPU per
  // message by about 12 % (same-run A/B). A 20 MB attachment is still mapped.
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 32 << 20);
  CLI::App app{"sealpost: a self-hosted secure email gateway"};
  app.require_subcommand(1);

  std::string init_dir;
  auto* init = app.add_subcommand("init", "Create a data directory: configuration, keys, "
                                          "certificate and the first API key");
  init->add_option("--dir", init_dir, "Directory to create")->required();
  std::string init_database;
  init->add_option("--database", init_database,
                   "A PostgreSQL URI (postgresql://user@host/db) instead of SQLite in --dir");

  std::string config_path;
  bool dev = false;
  std::string data_dir = "./data";
  auto* serve = app.add_subcommand("serve", "Run sealpost");
  auto* config_opt = serve->add_option("--config", config_path, "Configuration file");
  auto* dev_opt = serve->add_flag("--dev", dev,
                                  "Development mode: initialise --data if needed and file mail "
                                  "in its outbox");
  serve->add_option("--data", data_dir, "Data directory for --dev")->needs(dev_opt);
  config_opt->excludes(dev_opt);
  bool print_routes = false;
  serve->add_flag("--print-routes", print_routes,
                  "Set up as for serving, print each route (method and path) and stop");

  int admin_exit = 0;
  sealpost::RegisterAdminCommands(app, admin_exit);

  std::string headers_file;
  bool headers_json = false;
  auto* analyse = app.add_subcommand(
      "analyse-headers",
      "Was a message encrypted on its way? Reads its Received: fields hop by hop");
  analyse->add_option("FILE", headers_file, "A message or its header; - for standard input")
      ->required();
  analyse->add_flag("--json", headers_json, "One JSON object, for machines");

  app.add_subcommand("version", "Print the version")->callback([] { std::cout << "sealpost 0.1.0\n"; });

  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("admin")) return admin_exit;

  if (analyse->parsed()) return sealpost::AnalyseHeadersCommand(headers_file, headers_json);

  if (init->parsed()) {
    auto result = sealpost::InitDataDir(init_dir, false, init_database);
    if (!result.ok()) return Report(result.error());
    std::cout << "Initialised " << init_dir << "\n"
              << "  configuration: " << result->config_path << "\n"
              << "  API key (shown once, keep it safe): " << result->api_key << "\n"
              << "Start with: sealpost serve --config " << result->config_path << "\n";
    return 0;
  }

  if (serve->parsed()) {
    if (!dev && config_path.empty()) {
      std::cerr << "sealpost: serve needs --config FILE or --dev\n";
      return 2;
    }
    if (dev) {
      config_path = data_dir + "/config.toml";
      if (!std::filesystem::exists(config_path)) {
        auto result = sealpost::InitDataDir(data_dir, true);
        if (!result.ok()) return Report(result.error());
      }
    }
    auto config = sealpost::LoadConfig(config_path);
    if (!config.ok()) return Report(config.error());
    sealpost::DevCredentials credentials;
    if (dev) {
      if (!config->dev) {
        std::cerr << "sealpost: " << config_path << " is not a development configuration "
                  << "([dev] enabled = false); use serve --config\n";
        return 2;
      }
      auto key = sealpost::EnsureDevCredentials(*config, data_dir);
      if (!key.ok()) return Report(key.error());
      credentials = std::move(*key);
    }
    if (print_routes) {
      auto status = sealpost::Serve(*config, {}, [](const sealpost::RouteList& routes) {
        for (const auto& [method, pattern] : routes) std::cout << method << " " << pattern << "\n";
      });
      if (!status.ok()) return Report(status.error());
      return 0;
    }
    auto status = sealpost::Serve(*config, [&](std::uint16_t) {
      if (!dev) return;
      std::cout << "\n"
                << "sealpost is running in development mode.\n"
                << "  API:     " << config->public_url << "/api/v1/messages\n"
                << "  Portal:  " << config->public_url << "/\n"
                << "  Outbox:  " << config->public_url << "/dev/outbox\n"
                << "  API key: " << credentials.api_key << "\n"
                << "  SMTP:    " << config->smtp_listen << ":" << config->smtp_submission_port
                << " (STARTTLS), " << config->smtp_listen << ":"
                << config->smtp_implicit_tls_port << " (implicit TLS)\n"
                << "  SMTP user: " << credentials.smtp_user
                << "   password: " << credentials.smtp_password << "\n"
                << "  (also in " << data_dir << "/dev-credentials)\n"
                << "The certificate is self-signed: use curl -k, or accept it in your browser.\n\n"
                << std::flush;
    });
    if (!status.ok()) return Report(status.error());
    return 0;
  }
  return 0;
}
