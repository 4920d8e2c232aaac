// The portal's pages, from templates compiled into the binary and expanded by
// ctemplate with auto-escaping by context (HTML text, attributes, URLs), so no value
// from a message or a request can become markup.
// Thread-safety: immutable after construction; Render may be called concurrently.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ctemplate { class TemplateCache; class TemplateDictionary; }

namespace sealpost::portal {

struct Brand;

// Static files (the stylesheet), compiled into the binary.
std::string_view FindStatic(std::string_view name);

class Templates {
 public:
  Templates();
  ~Templates();

  // Renders `page` (a .tpl name) inside the layout. `fill` sets the page's values on
  // the dictionary it is given.
  // `layout`: the frame (the console has its own); `fill_layout` sets the frame's values.
  std::string Render(
      const std::string& page, const std::string& title, const Brand& brand,
      const std::function<void(ctemplate::TemplateDictionary&)>& fill,
      const std::string& layout = "layout.tpl",
      const std::function<void(ctemplate::TemplateDictionary&)>& fill_layout = nullptr) const;

 private:
  std::unique_ptr<ctemplate::TemplateCache> cache_;
};

}  // namespace sealpost::portal
