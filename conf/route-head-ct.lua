-- Orthanc auto-routing: forward every stable head CT series to ich-node.
function OnStableSeries(seriesId, tags, metadata)
  local series = ParseJson(RestApiGet('/series/' .. seriesId))
  local modality = series['MainDicomTags']['Modality'] or ''
  if modality ~= 'CT' then return end
  local text = string.lower((series['MainDicomTags']['BodyPartExamined'] or '') .. ' ' ..
                            (series['MainDicomTags']['SeriesDescription'] or ''))
  if string.find(text, 'head') or string.find(text, 'brain') or string.find(text, 'skull') then
    RestApiPost('/modalities/ichnode/store', seriesId)
  end
end
