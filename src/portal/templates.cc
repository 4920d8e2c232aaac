#include "portal/templates.h"

#include <ctemplate/template.h>
#include <ctemplate/template_cache.h>

#include <stdexcept>

#include "portal/brands.h"

namespace sealpost::portal {
namespace embedded {
extern const std::pair<std::string_view, std::string_view> kEmbedded[];
extern const std::size_t kEmbeddedCount;
}  // namespace embedded

std::string_view FindStatic(std::string_view name) {
  for (std::size_t i = 0; i < embedded::kEmbeddedCount; ++i) {
    if (embedded::kEmbedded[i].first == name && !name.ends_with(".tpl")) {
      return embedded::kEmbedded[i].second;
    }
  }
  return {};
}

Templates::Templates() : cache_(std::make_unique<ctemplate::TemplateCache>()) {
  for (std::size_t i = 0; i < embedded::kEmbeddedCount; ++i) {
    const auto& [name, content] = embedded::kEmbedded[i];
    if (!name.ends_with(".tpl")) continue;
    if (!cache_->StringToTemplateCache(std::string(name), std::string(content),
                                       ctemplate::STRIP_BLANK_LINES)) {
      // A template that does not parse is a build defect, found by every test run.
      throw std::logic_error("portal template does not parse: " + std::string(name));
    }
  }
  cache_->Freeze();  // never look on disk
}

Templates::~Templates() = default;

std::string Templates::Render(
    const std::string& page, const std::string& title, const Brand& brand,
    const std::function<void(ctemplate::TemplateDictionary&)>& fill, const std::string& layout,
    const std::function<void(ctemplate::TemplateDictionary&)>& fill_layout) const {
  ctemplate::TemplateDictionary dict("layout");
  dict.SetValue("TITLE", title);
  dict.SetValue("ORGANISATION", brand.display_name);
  dict.SetValue("BRAND", brand.name);
  if (brand.styled) dict.ShowSection("BRAND_STYLE");
  if (brand.logo) dict.ShowSection("LOGO");
  if (!brand.support.empty()) {
    dict.ShowSection("SUPPORT");
    dict.SetValue("SUPPORT_CONTACT", brand.support);
  }
  if (fill_layout) fill_layout(dict);
  ctemplate::TemplateDictionary* body = dict.AddIncludeDictionary("BODY");
  body->SetFilename(page);
  body->SetValue("ORGANISATION", brand.display_name);
  fill(*body);
  std::string out;
  if (!cache_->ExpandNoLoad(layout, ctemplate::STRIP_BLANK_LINES, &dict, nullptr, &out)) {
    throw std::logic_error("portal template failed to expand: " + page);
  }
  return out;
}

}  // namespace sealpost::portal
