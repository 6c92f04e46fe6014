--- The dependency graph of an RGD as text in a scratch split: from `kubectl-kro graph <file>`
--- when it is on PATH, else from the server's `kro/graph` request.
local M = {}

--- Render the `kro/graph` response (a list of GraphView) as lines, one block per wave, like
--- `kubectl-kro graph`.
---@param views table[]
---@return string[]
function M.render(views)
  local out = {}
  if type(views) ~= 'table' or #views == 0 then
    return { '(no ResourceGraphDefinition in this file)' }
  end
  for i, view in ipairs(views) do
    if i > 1 then
      table.insert(out, '')
    end
    local title = view.name or '?'
    if type(view.kind) == 'string' then
      title = title .. ' (kind ' .. view.kind .. ')'
    end
    table.insert(out, title)
    local resources = view.resources or {}
    if #resources == 0 then
      table.insert(out, '  (no resources)')
    else
      local by_id, max_wave = {}, 0
      for _, r in ipairs(resources) do
        by_id[r.id] = r
        max_wave = math.max(max_wave, r.wave or 0)
      end
      local order = view.topologicalOrder or {}
      for wave = 1, max_wave do
        table.insert(out, ('├─ wave %d'):format(wave))
        for _, id in ipairs(order) do
          local r = by_id[id]
          if r and r.wave == wave then
            local markers = {}
            for _, m in ipairs({ 'external', 'collection', 'conditional' }) do
              if r[m] then
                table.insert(markers, m)
              end
            end
            local line = ('│  %s  %s'):format(r.id, type(r.kind) == 'string' and r.kind or '?')
            if #markers > 0 then
              line = line .. ' [' .. table.concat(markers, ', ') .. ']'
            end
            if r.dependencies and #r.dependencies > 0 then
              line = line .. '  ← ' .. table.concat(r.dependencies, ', ')
            end
            table.insert(out, line)
          end
        end
      end
      local cyclic = {}
      for _, r in ipairs(resources) do
        if r.wave == 0 then
          table.insert(cyclic, r.id)
        end
      end
      if #cyclic > 0 then
        table.insert(out, '└─ on a cycle: ' .. table.concat(cyclic, ', '))
      else
        table.insert(out, '└─ done')
      end
    end
  end
  return out
end

local function open_split(lines, title)
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, title)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'krograph'
  vim.api.nvim_win_set_height(0, math.min(#lines + 1, math.max(5, math.floor(vim.o.lines / 3))))
  vim.keymap.set('n', 'q', '<cmd>close<cr>', { buffer = buf, nowait = true })
  return buf
end

local function from_cli(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local result = vim.system({ 'kubectl-kro', 'graph', file }, { text = true }):wait()
  local text = result.stdout or ''
  if result.code ~= 0 and text == '' then
    text = result.stderr or ''
  end
  return vim.split(vim.trim(text), '\n', { plain = true })
end

local function from_lsp(bufnr, kro)
  local client = kro.client(bufnr)
  if not client then
    return nil, 'kro-lsp is not attached to this buffer (is it a ResourceGraphDefinition?)'
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  local responses, err = vim.lsp.buf_request_sync(bufnr, 'kro/graph', params, 5000)
  local response = responses and responses[client.id]
  if not response then
    return nil, 'kro/graph: ' .. tostring(err or 'no answer')
  end
  if response.err then
    return nil, 'kro/graph: ' .. (response.err.message or vim.inspect(response.err))
  end
  return M.render(response.result)
end

--- :KroGraph
---@param bufnr integer
---@param kro table the kro module (options, client lookup)
---@return integer|nil the graph buffer
function M.show(bufnr, kro)
  local mode = kro.options.graph
  local file = vim.api.nvim_buf_get_name(bufnr)
  local use_cli = mode == 'cli'
    or (
      mode == 'auto'
      and vim.fn.executable('kubectl-kro') == 1
      and file ~= ''
      and not vim.bo[bufnr].modified
      and vim.system ~= nil
    )
  local lines, err
  if use_cli then
    lines = from_cli(bufnr)
  else
    lines, err = from_lsp(bufnr, kro)
  end
  if not lines then
    vim.notify('kro: ' .. err, vim.log.levels.ERROR)
    return nil
  end
  return open_split(lines, 'kro://graph/' .. vim.fn.fnamemodify(file, ':t'))
end

return M
