-- The plugin in a real headless Neovim, talking to the real kro-lsp.
-- Run by editors/nvim/test/run:  nvim --headless -u NONE -l editors/nvim/test/lsp_spec.lua
-- Environment: KRO_LSP (the server binary), KRO_ROOT (the repository).

local root = assert(os.getenv('KRO_ROOT'), 'KRO_ROOT is not set')
local server = assert(os.getenv('KRO_LSP'), 'KRO_LSP is not set')
local fixtures = root .. '/editors/fixtures'
local TIMEOUT = 15000

vim.opt.runtimepath:prepend(root .. '/editors/nvim')
vim.opt.swapfile = false
vim.cmd('filetype on')
vim.cmd('runtime plugin/kro.lua')

-- Work on copies so that edits never touch the fixtures.
local work = vim.fn.tempname()
vim.fn.mkdir(work, 'p')
local function copy(name)
  local dest = work .. '/' .. name
  vim.fn.writefile(vim.fn.readfile(fixtures .. '/' .. name), dest)
  return dest
end

require('kro').setup({ cmd = { server } })

local passed, failed = 0, 0
local function test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    passed = passed + 1
    io.stdout:write('ok   ' .. name .. '\n')
  else
    failed = failed + 1
    io.stdout:write('FAIL ' .. name .. '\n' .. tostring(err) .. '\n')
  end
end

local function eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(('%s:\n  expected %s\n  actual   %s'):format(what or 'values differ', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function wait_for(what, cond)
  if not vim.wait(TIMEOUT, cond, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

local function open(name)
  -- Start from a clean slate: earlier tests leave modified buffers behind.
  vim.cmd('silent! %bwipeout!')
  vim.cmd.edit(vim.fn.fnameescape(copy(name)))
  local buf = vim.api.nvim_get_current_buf()
  eq('yaml', vim.bo[buf].filetype, 'filetype')
  wait_for('kro-lsp to attach', function()
    local client = require('kro').client(buf)
    return client ~= nil and client.initialized
  end)
  return buf
end

local function request(buf, method, params)
  local responses, err = vim.lsp.buf_request_sync(buf, method, params, TIMEOUT)
  assert(responses, ('%s: %s'):format(method, tostring(err)))
  local client = require('kro').client(buf)
  local response = assert(responses[client.id], method .. ': no answer from kro-lsp')
  assert(not response.err, vim.inspect(response.err))
  return response.result
end

--- 0-based line and UTF-16 column of the nth (1-based) match of a plain string.
local function find(buf, needle, nth)
  nth = nth or 1
  for lnum, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local init = 1
    while true do
      local s = line:find(needle, init, true)
      if not s then
        break
      end
      nth = nth - 1
      if nth == 0 then
        return lnum - 1, s - 1
      end
      init = s + 1
    end
  end
  error('not found: ' .. needle)
end

test('does not attach to a yaml file that is not an RGD', function()
  vim.cmd.edit(vim.fn.fnameescape(copy('configmap.yaml')))
  local buf = vim.api.nvim_get_current_buf()
  eq('yaml', vim.bo[buf].filetype, 'filetype')
  vim.wait(300)
  eq(nil, require('kro').client(buf), 'client on a ConfigMap')
end)

test('diagnostics of a broken RGD, with message and line', function()
  local buf = open('broken.yaml')
  wait_for('diagnostics', function()
    return #vim.diagnostic.get(buf) > 0
  end)
  local got = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(got, { lnum = d.lnum, col = d.col, code = d.code, message = d.message, source = d.source })
  end
  table.sort(got, function(a, b)
    return a.lnum < b.lnum
  end)
  eq({
    {
      lnum = 18,
      col = 10,
      code = 'invalid-resource-id',
      source = 'kro',
      message = 'resource id `my-config` must be lowerCamelCase: a lowercase letter, then letters and digits (e.g. `myConfig`)',
    },
    {
      lnum = 43,
      col = 32,
      code = 'cel-unknown-identifier',
      source = 'kro',
      message = 'unknown identifier `config`; did you mean `my-config`?',
    },
  }, got, 'diagnostics')

  -- Fix the id in the buffer: the diagnostics go away.
  local lnum, col = find(buf, 'my-config')
  vim.api.nvim_buf_set_text(buf, lnum, col, lnum, col + #'my-config', { 'config' })
  wait_for('diagnostics to clear', function()
    return #vim.diagnostic.get(buf) == 0
  end)
end)

test('completion after ${schema.spec.', function()
  local buf = open('webapp.yaml')
  -- Type a new label whose value is an unfinished expression.
  local lnum = find(buf, 'name: ${schema.spec.name}-config')
  vim.api.nvim_buf_set_lines(buf, lnum + 1, lnum + 1, false, {
    '          labels:',
    '            app: "${schema.spec.',
  })
  local line = vim.api.nvim_buf_get_lines(buf, lnum + 2, lnum + 3, false)[1]
  local result = request(buf, 'textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = lnum + 2, character = #line },
  })
  local items = result.items or result
  local labels = vim.tbl_map(function(i)
    return i.label
  end, items)
  eq({ 'name', 'image', 'replicas', 'ingress' }, labels, 'completion labels')
  eq('string', items[1].detail, 'detail of name')
  eq('Name of the application', items[1].documentation.value, 'documentation of name')
end)

test('hover on a resource id shows its kind and place in the graph', function()
  local buf = open('webapp.yaml')
  local lnum, col = find(buf, 'service.metadata')
  local result = request(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = lnum, character = col + 2 },
  })
  eq('markdown', result.contents.kind, 'hover kind')
  eq(
    '```yaml\nid: service\napiVersion: v1\nkind: Service\n```\n\n- wave: 3\n- depends on: `deployment`\n- used by: `ingress`\n',
    result.contents.value,
    'hover text'
  )
end)

test(':KroGraph renders the kro/graph response in a split', function()
  local kro = require('kro')
  local before = kro.options.graph
  kro.options.graph = 'lsp'
  local buf = open('webapp.yaml')
  local wins = #vim.api.nvim_list_wins()
  vim.cmd('KroGraph')
  kro.options.graph = before
  eq(wins + 1, #vim.api.nvim_list_wins(), 'windows after :KroGraph')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  eq('webapp (kind WebApp)', lines[1], 'title')
  eq('├─ wave 1', lines[2], 'first wave')
  local text = table.concat(lines, '\n')
  assert(text:find('│  service  Service  ← deployment', 1, true), text)
  assert(text:find('│  ingress  Ingress [conditional]  ← service', 1, true), text)
  eq('└─ done', lines[#lines], 'last line')
  vim.cmd('close')
  assert(vim.api.nvim_get_current_buf() == buf)
end)

test('semantic tokens colour CEL inside ${…} and nothing else', function()
  local buf = open('webapp.yaml')
  local lnum, col = find(buf, '${schema.spec.name}-config')
  local function token(row, c)
    for _, t in ipairs(vim.lsp.semantic_tokens.get_at_pos(buf, row, c) or {}) do
      if t.client_id == require('kro').client(buf).id then
        return t
      end
    end
  end
  wait_for('semantic tokens', function()
    return token(lnum, col + 2) ~= nil
  end)
  local schema = token(lnum, col + 2)
  eq('variable', schema.type, 'type of schema')
  eq({ defaultLibrary = true, readonly = true }, schema.modifiers, 'modifiers of schema')
  eq('keyword', token(lnum, col).type, 'type of ${')
  eq('property', token(lnum, col + #'${schema.').type, 'type of spec')
  -- YAML keys and plain values are left alone.
  local key_line = find(buf, 'apiVersion: kro.run/v1alpha1')
  eq(nil, token(key_line, 0), 'token on a YAML key')
end)

test('code lenses show each resource in the graph and open it', function()
  local kro = require('kro')
  local before = kro.options.graph
  kro.options.graph = 'lsp'
  local buf = open('webapp.yaml')
  wait_for('code lenses', function()
    return #vim.lsp.codelens.get(buf) > 0
  end)
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    titles[lens.range.start.line] = (titles[lens.range.start.line] and titles[lens.range.start.line] .. ' | ' or '')
      .. lens.command.title
  end
  local service = find(buf, '- id: service')
  eq('wave 3 · depends on: deployment · used by: ingress', titles[service], 'lens of service')
  eq('wave 4 · depends on: service | conditional (includeWhen)', titles[find(buf, '- id: ingress')], 'lenses of ingress')
  -- Running the graph lens opens the graph.
  local wins = #vim.api.nvim_list_wins()
  vim.api.nvim_win_set_cursor(0, { service + 1, 0 })
  vim.lsp.codelens.run()
  wait_for(':KroGraph from the lens', function()
    return #vim.api.nvim_list_wins() == wins + 1
  end)
  eq('webapp (kind WebApp)', vim.api.nvim_buf_get_lines(0, 0, 1, false)[1], 'graph title')
  vim.cmd('close')
  kro.options.graph = before
end)

io.stdout:write(('%d passed, %d failed\n'):format(passed, failed))
for _, client in ipairs(vim.lsp.get_clients()) do
  client:stop(true)
end
vim.fn.delete(work, 'rf')
os.exit(failed == 0 and 0 or 1)
