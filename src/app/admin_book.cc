// `sealpost admin book …`: address books: recipients' questions and answers, OpenPGP keys
// and S/MIME certificates.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <unistd.h>

#include "audit/pending.h"
#include "base/text.h"
#include "policy/selection.h"

namespace sealpost::admin {

void RegisterBookCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                          int& exit_code) {
  auto* book = admin->add_subcommand("book", "Address books (named level:owner:name)")
                   ->require_subcommand(1);
  auto* book_create = book->add_subcommand("create", "Create an address book");
  book_create->add_option("book", args->book, "e.g. user:dr@clinic.example:personal")->required();
  book_create->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto s = c.books->CreateBook(*ref);
    if (s.ok()) std::cout << "address book " << a.book << " created\n";
    return s;
  }));
  auto* book_link = book->add_subcommand("link", "Give a user a book as default, subscribed or preferred");
  book_link->add_option("user", args->name)->required();
  book_link->add_option("book", args->book)->required();
  book_link->add_option("--role", args->role, "default, subscribed or preferred")->required();
  book_link->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto s = c.books->Link(a.name, *ref, a.role);
    if (s.ok()) std::cout << a.name << ": " << a.book << " is a " << a.role << " book\n";
    return s;
  }));
  auto* book_unlink = book->add_subcommand("unlink", "Take a book from a user's books");
  book_unlink->add_option("user", args->name)->required();
  book_unlink->add_option("book", args->book)->required();
  book_unlink->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto s = c.books->Unlink(a.name, *ref);
    if (s.ok()) std::cout << a.name << ": " << a.book << " unlinked\n";
    return s;
  }));
  auto* book_links = book->add_subcommand("links", "List a user's books and their roles");
  book_links->add_option("user", args->name)->required();
  book_links->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto links = c.books->Links(a.name);
    if (!links.ok()) return std::move(links).error();
    for (const auto& [ref, role] : *links) std::cout << ref << "\t" << role << "\n";
    return OkStatus();
  }));
  auto* book_import = book->add_subcommand(
      "import-questions", "Import questions and answers from CSV (address,question,answer)");
  book_import->add_option("book", args->book)->required();
  book_import->add_option("file", args->file)->required();
  book_import->add_flag("--progress", args->progress, "Show progress even when not on a terminal");
  book_import->callback([args, &exit_code] {
    auto ctx = Open(args->config);
    if (!ctx.ok()) {
      exit_code = Fail(ctx.error());
      return;
    }
    // Recorded with its first change, as Command() records (admin_common.h).
    audit::PendingRecord pending(AdminRecord(**ctx, *args));
    auto ref = policy::ParseBookRef(args->book);
    if (!ref.ok()) {
      exit_code = Fail(ref.error());
      return;
    }
    auto text = ReadSmallFile(args->file, kMaxCsvFile);
    if (!text.ok()) {
      exit_code = Fail(text.error());
      return;
    }
    const bool bar = args->progress || ::isatty(2);
    auto report = (*ctx)->books->ImportQuestionsCsv(
        *ref, *text, [bar](std::size_t done, std::size_t total) {
          if (!bar || total < 1000) return;
          const int width = 30;
          const int filled = static_cast<int>(width * done / total);
          std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ')
                    << "] " << done << "/" << total << " rows" << (done == total ? "\n" : "")
                    << std::flush;
        });
    if (!report.ok()) {
      exit_code = Fail(report.error());
      return;
    }
    for (const auto& p : report->problems) {
      std::cerr << args->file << ":" << p.line << ": " << p.reason << "\n";
    }
    std::cout << "imported " << report->imported << " entr" << (report->imported == 1 ? "y" : "ies")
              << " into " << args->book << "; " << report->problems.size() << " row"
              << (report->problems.size() == 1 ? "" : "s") << " refused\n";
    exit_code = report->problems.empty() ? 0 : 2;
  });

  auto* book_list = book->add_subcommand("list", "List a book's entries (no answers)");
  book_list->add_option("book", args->book)->required();
  book_list->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto entries = c.books->List(*ref);
    if (!entries.ok()) return std::move(entries).error();
    for (const auto& e : *entries) std::cout << e.address << "\t" << e.kind << "\n";
    return OkStatus();
  }));
  auto* book_add = book->add_subcommand("add-question", "Add or replace one entry's question and answer");
  book_add->add_option("book", args->book)->required();
  book_add->add_option("address", args->name)->required();
  book_add->add_option("--question", args->question)->required();
  book_add->add_option("--answer", args->answer, "the answer, or - to read it from standard input")
      ->required();
  book_add->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto answer = AnswerFromStdinIfDash(a.answer);
    if (!answer.ok()) return std::move(answer).error();
    auto s = c.books->AddQuestion(*ref, a.name, {a.question, *answer});
    if (!s.ok()) return s;
    std::cout << a.book << ": " << a.name << " saved\n";
    return OkStatus();
  }));
  auto* book_key = book->add_subcommand(
      "add-key", "Add or replace an entry's OpenPGP public key or S/MIME certificate (armored, PEM or binary)");
  book_key->add_option("book", args->book)->required();
  book_key->add_option("address", args->name)->required();
  book_key->add_option("file", args->file, "the key or certificate file")->required();
  book_key->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto data = ReadSmallFile(a.file, kMaxKeyFile);
    if (!data.ok()) return std::move(data).error();
    auto added = c.books->AddKey(*ref, a.name, *data);
    if (!added.ok()) {
      Error e = std::move(added).error();
      // "key.asc: is revoked" reads better than a field name the user never typed.
      if (e.code == ErrorCode::kInvalidArgument && e.field != "address") e.field = a.file;
      return e;
    }
    std::cout << a.book << ": " << a.name << ": " << *added << "\n";
    return OkStatus();
  }));
  auto* book_keys_in = book->add_subcommand(
      "import-keys", "Import keys and certificates from a folder of files named <address>.asc, "
                     ".gpg, .pgp, .pem, .crt, .cer or .der");
  book_keys_in->add_option("book", args->book)->required();
  book_keys_in->add_option("folder", args->file)->required();
  book_keys_in->callback([args, &exit_code] {
    auto ctx = Open(args->config);
    if (!ctx.ok()) {
      exit_code = Fail(ctx.error());
      return;
    }
    // Recorded with its first change, as Command() records (admin_common.h).
    audit::PendingRecord pending(AdminRecord(**ctx, *args));
    auto ref = policy::ParseBookRef(args->book);
    if (!ref.ok()) {
      exit_code = Fail(ref.error());
      return;
    }
    // Each file names its recipient: "pat@example.net.asc" is Pat's key.
    std::vector<std::string> paths;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(args->file, ec)) {
      if (entry.is_regular_file()) paths.push_back(entry.path().string());
    }
    if (ec) {
      exit_code = Fail(MakeError(ErrorCode::kNotFound, "cannot read the folder " + args->file));
      return;
    }
    std::sort(paths.begin(), paths.end());
    std::vector<std::pair<std::string, std::string>> keys;
    std::vector<std::string> sources;
    std::size_t skipped = 0;
    for (const auto& path : paths) {
      std::filesystem::path p(path);
      auto address = policy::KeyFileAddress(p.filename().string());
      if (!address) {
        std::cerr << path << ": skipped: not named <address>.asc, .gpg, .pgp, .pem, .crt, .cer or .der\n";
        ++skipped;
        continue;
      }
      auto data = ReadSmallFile(path, kMaxKeyFile);
      if (!data.ok()) {
        std::cerr << path << ": " << data.error().message << "\n";
        ++skipped;
        continue;
      }
      keys.emplace_back(std::move(*address), std::move(*data));
      sources.push_back(path);
    }
    auto report = (*ctx)->books->ImportKeys(*ref, keys);
    if (!report.ok()) {
      exit_code = Fail(report.error());
      return;
    }
    for (const auto& problem : report->problems) {
      std::cerr << sources[problem.line - 1] << ": " << problem.reason << "\n";
    }
    const std::size_t refused = report->problems.size() + skipped;
    std::cout << "imported " << report->imported << " key" << (report->imported == 1 ? "" : "s")
              << " into " << args->book << "; " << refused << " file" << (refused == 1 ? "" : "s")
              << " refused\n";
    exit_code = refused == 0 ? 0 : 2;
  });
  auto* book_keys_out = book->add_subcommand(
      "export-keys", "Write a book's keys and certificates to a new folder, one <address>.asc or .pem each");
  book_keys_out->add_option("book", args->book)->required();
  book_keys_out->add_option("folder", args->file)->required();
  book_keys_out->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto keys = c.books->ExportKeys(*ref);
    if (!keys.ok()) return std::move(keys).error();
    // No record, no export.
    if (auto recorded = RecordAccessNow(c); !recorded.ok()) return recorded;
    std::error_code ec;
    if (!std::filesystem::create_directory(a.file, ec)) {
      return MakeError(ErrorCode::kAlreadyExists, "cannot create the folder " + a.file + " (it may exist)");
    }
    for (const auto& k : *keys) {
      const std::string path =
          a.file + "/" + policy::KeyFileStem(k.address) + (k.kind == "pgp" ? ".asc" : ".pem");
      std::ofstream out(path, std::ios::binary);
      out << k.data;
      if (!out) return MakeError(ErrorCode::kIo, "cannot write " + path);
    }
    std::cout << keys->size() << " key" << (keys->size() == 1 ? "" : "s") << " of " << a.book
              << " written to " << a.file << "\n";
    return OkStatus();
  }));
  auto* book_remove = book->add_subcommand("remove", "Remove one entry");
  book_remove->add_option("book", args->book)->required();
  book_remove->add_option("address", args->name)->required();
  book_remove->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto s = c.books->Remove(*ref, a.name);
    if (s.ok()) std::cout << a.book << ": " << a.name << " removed\n";
    return s;
  }));
  auto* book_export = book->add_subcommand(
      "export-questions", "Write a book's questions and answers as CSV (mode 0600; answers in clear)");
  book_export->add_option("book", args->book)->required();
  book_export->add_option("file", args->file)->required();
  book_export->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto ref = policy::ParseBookRef(a.book);
    if (!ref.ok()) return std::move(ref).error();
    auto csv = c.books->ExportQuestionsCsv(*ref);
    if (!csv.ok()) return std::move(csv).error();
    // The file holds answers: private to its owner, and never written over.
    int fd = ::open(a.file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return MakeError(ErrorCode::kAlreadyExists, "cannot create " + a.file + " (it may exist)");
    // Answers leave in clear: the audit trail says who took them (the local user), when,
    // and where to.
    audit::DetailPending(
        boost::json::serialize(boost::json::object{{"file", SanitizeForLog(a.file, 256)}}));
    auto audited = RecordAccessNow(c);
    if (!audited.ok()) {  // no record, no export
      ::close(fd);
      ::unlink(a.file.c_str());
      return audited;
    }
    bool ok = ::write(fd, csv->data(), csv->size()) == static_cast<ssize_t>(csv->size());
    ::close(fd);
    if (!ok) return MakeError(ErrorCode::kIo, "cannot write " + a.file);
    std::cout << a.book << " exported to " << a.file << " (it holds answers: keep it safe)\n";
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
