// `sealpost admin identity …`: the organisation's own OpenPGP keys and S/MIME
// certificates, by domain or user.
#include "app/admin_common.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "policy/selection.h"

namespace sealpost::admin {

void RegisterIdentityCommands(CLI::App* admin, const std::shared_ptr<AdminArgs>& args,
                              int& exit_code) {
  auto* identity = admin->add_subcommand(
      "identity", "The organisation's signing keys (OpenPGP) and certificates (S/MIME), per domain or account")
      ->require_subcommand(1);
  auto print_identity = [](const policy::IdentitySummary& id) {
    std::cout << id.scope << ": " << (id.kind == "pgp" ? "OpenPGP key " : "S/MIME certificate ")
              << id.fingerprint << " (" << id.label << ")\n";
  };
  auto* id_gen_pgp = identity->add_subcommand("generate-pgp", "Generate an Ed25519/Curve25519 OpenPGP key");
  id_gen_pgp->add_option("scope", args->scope, "domain:NAME or account:NAME")->required();
  id_gen_pgp->add_option("--user-id", args->user_id, "e.g. \"Clinic <secure@clinic.example>\"")->required();
  id_gen_pgp->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto id = c.identities->GeneratePgp(*scope, a.user_id);
    if (!id.ok()) return std::move(id).error();
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_imp_pgp = identity->add_subcommand("import-pgp", "Import an OpenPGP secret key (without a passphrase)");
  id_imp_pgp->add_option("scope", args->scope)->required();
  id_imp_pgp->add_option("file", args->file)->required();
  id_imp_pgp->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto data = ReadSmallFile(a.file, kMaxKeyFile);
    if (!data.ok()) return std::move(data).error();
    auto id = c.identities->ImportPgp(*scope, *data);
    WipeMemory(data->data(), data->size());
    if (!id.ok()) {
      Error e = std::move(id).error();
      if (e.code == ErrorCode::kInvalidArgument) e.field = a.file;
      return e;
    }
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_gen_smime = identity->add_subcommand(
      "generate-smime", "Generate a P-256 key and a self-signed S/MIME signing certificate");
  id_gen_smime->add_option("scope", args->scope)->required();
  id_gen_smime->add_option("--address", args->address, "the address the certificate names")->required();
  id_gen_smime->add_option("--days", args->days, "validity (default 730)");
  id_gen_smime->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto id = c.identities->GenerateSmime(*scope, a.address, c.config.organisation, a.days);
    if (!id.ok()) return std::move(id).error();
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_imp_smime = identity->add_subcommand(
      "import-smime", "Import an S/MIME signing certificate and its private key (PEM or DER, unencrypted)");
  id_imp_smime->add_option("scope", args->scope)->required();
  id_imp_smime->add_option("certificate", args->file)->required();
  id_imp_smime->add_option("key", args->key_file)->required();
  id_imp_smime->callback(Command(args, exit_code, [print_identity](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto cert = ReadSmallFile(a.file, kMaxKeyFile);
    if (!cert.ok()) return std::move(cert).error();
    auto key = ReadSmallFile(a.key_file, kMaxKeyFile);
    if (!key.ok()) return std::move(key).error();
    auto id = c.identities->ImportSmime(*scope, *cert, *key);
    WipeMemory(key->data(), key->size());
    if (!id.ok()) {
      Error e = std::move(id).error();
      if (e.code == ErrorCode::kInvalidArgument) e.field = e.field == "private_key" ? a.key_file : a.file;
      return e;
    }
    print_identity(*id);
    return OkStatus();
  }));
  auto* id_public = identity->add_subcommand("public", "Print the public key (armored) or certificate (PEM)");
  id_public->add_option("scope", args->scope)->required();
  id_public->add_option("--kind", args->tls, "pgp or smime")->required()->check(CLI::IsMember({"pgp", "smime"}));
  id_public->callback(Command(args, exit_code, [](Context& c, AdminArgs& a) -> Status {
    auto scope = policy::ParseIdentityScope(a.scope);
    if (!scope.ok()) return std::move(scope).error();
    auto pub = c.identities->PublicPart(*scope, a.tls);
    if (!pub.ok()) return std::move(pub).error();
    std::cout << *pub;
    return OkStatus();
  }));
}

}  // namespace sealpost::admin
